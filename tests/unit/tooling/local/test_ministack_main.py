"""The wrapper that runs MiniStack's main: it marks a save complete only when MiniStack's save_all was."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import pytest

from ticketflow_dev.local.ministack_main import marking


def test_a_save_that_returned_without_an_error_is_marked_complete_by_this_process(tmp_path: Path) -> None:
    # GIVEN MiniStack's save_all wrapped, and a save that writes its files and returns
    marker = tmp_path / "saved.json"
    calls: list[dict[str, Any]] = []

    # WHEN the wrapped save runs
    marking(calls.append, marker)({"s3": dict})

    # THEN the save ran and the marker names this process
    assert len(calls) == 1
    assert json.loads(marker.read_text(encoding="utf-8"))["pid"] == os.getpid()


def test_a_save_that_logged_a_failed_file_is_not_marked(tmp_path: Path) -> None:
    # GIVEN a save in which one service's file failed (MiniStack logs it and goes on)
    marker = tmp_path / "saved.json"

    def failing(_services: dict[str, Any]) -> None:
        logging.getLogger("persistence").error("Persistence: failed to save %s: %s", "sqs", "disk full")

    # WHEN / THEN
    marking(failing, marker)({})
    assert not marker.exists()


def test_a_save_interrupted_by_a_second_signal_is_not_marked(tmp_path: Path) -> None:
    # GIVEN a save cut short (MiniStack's SIGTERM handler raises SystemExit inside it)
    marker = tmp_path / "saved.json"

    def interrupted(_services: dict[str, Any]) -> None:
        raise SystemExit(0)

    # WHEN / THEN
    with pytest.raises(SystemExit):
        marking(interrupted, marker)({})
    assert not marker.exists()

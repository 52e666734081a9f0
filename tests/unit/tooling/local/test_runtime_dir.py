"""The short runtime folder: sockets fit their length limit whatever the home's depth, in a folder of ours."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ticketflow_dev.local import service
from ticketflow_dev.local.postgres_server import WarehouseService
from ticketflow_dev.local.service import Layout, StackError, runtime_dir
from ticketflow_infra.settings import Settings


def test_the_warehouse_socket_fits_whatever_the_depth_of_the_home(tmp_path: Path) -> None:
    # GIVEN a home 300 characters deep, and another one
    deep = tmp_path / ("d" * 100) / ("e" * 100) / ("f" * 90)
    warehouse = WarehouseService(Settings(home=deep, warehouse_port=65535), inherited_env={})
    other = Layout(tmp_path / "other")

    # WHEN / THEN: its socket is under the short runtime folder, well under 104 bytes, one folder per home
    socket = warehouse.socket_dir / ".s.PGSQL.65535"
    assert socket.is_relative_to(Path("/tmp"))
    assert len(str(socket)) < 70
    assert Layout(deep.absolute()).runtime != other.runtime


def test_a_runtime_folder_that_is_not_ours_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the place of our runtime folder taken by a link (someone else's doing)
    monkeypatch.setattr(service, "RUNTIME_ROOT", tmp_path)
    layout = Layout(tmp_path / "home")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    layout.runtime.parent.symlink_to(elsewhere)

    # WHEN / THEN
    with pytest.raises(StackError, match="is not a folder of this user's"):
        runtime_dir(layout)


def test_a_runtime_folder_is_made_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "RUNTIME_ROOT", tmp_path)
    layout = Layout(tmp_path / "home")
    made = runtime_dir(layout)
    assert made.is_dir()
    assert made.parent.stat().st_uid == os.geteuid()
    assert made.parent.stat().st_mode & 0o077 == 0o011  # others may pass through, not list

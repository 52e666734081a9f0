"""MiniStack's own `main`, run on the emulator's interpreter, that also says when a save has completed.

MiniStack 1.5.33 writes its state only in its shutdown, one `<service>.json` after another (each through a
`.tmp` and a rename), and says nothing when it is done: a process killed between two files leaves a save
that looks whole, half of it new and half old. This wrapper runs MiniStack unchanged and, once its
`save_all` has returned without an error logged, writes the marker file named by its one argument
(`{"pid", "saved_at"}`), so that the supervisor can tell a complete save from one cut short.

    <emulator venv>/bin/python -I ministack_main.py MARKER

Standard library and MiniStack only: this file runs in MiniStack's virtualenv (MiniStack is imported when it
runs, so that the project's tests can import the rest).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


class _Errors(logging.Handler):
    """Collects what MiniStack's persistence logs at ERROR (it logs a failed file and goes on)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _write_marker(path: Path) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    with partial.open("w", encoding="utf-8") as handle:
        json.dump({"pid": os.getpid(), "saved_at": time.time()}, handle)
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(path)


def marking(save_all: Callable[[dict[str, Any]], None], marker: Path) -> Callable[[dict[str, Any]], None]:
    """`save_all`, then the marker, unless a file failed (logged) or the save was interrupted (raised)."""

    def save_all_then_mark(services: dict[str, Any]) -> None:
        errors = _Errors()
        persistence = logging.getLogger("persistence")
        persistence.addHandler(errors)
        try:
            save_all(services)
        finally:
            persistence.removeHandler(errors)
        if not errors.messages:
            _write_marker(marker)

    return save_all_then_mark


def main() -> None:
    from ministack import app  # noqa: PLC0415 (only the emulator's virtualenv has it)

    marker = Path(sys.argv[1])
    app.save_all = marking(app.save_all, marker)  # the name its shutdown calls
    sys.argv = sys.argv[:1]  # MiniStack parses its own options
    app.main()


if __name__ == "__main__":
    main()

"""The emulator's saved state: MiniStack writes `STATE_DIR/<service>.json` only in its shutdown (each through
`<service>.json.tmp`, then a rename), and S3 object bodies under `S3_DATA_DIR` at every put. This module
follows a save as it happens and keeps a record of the last one that completed."""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from ticketflow_dev.local.service import StopProgress

SAVED_RECORD = "emulator-saved.json"  # beside the state folder: MiniStack's reset deletes its *.json
MB = 1024 * 1024


@dataclass(frozen=True)
class SavedState:
    """The files of one state folder: how many, how big, and the newest one's time."""

    files: int
    bytes: int
    newest: float | None

    @classmethod
    def of(cls, folder: Path) -> SavedState:
        stats = [stat for _name, stat in _stats(folder, "*.json")]
        return cls(len(stats), sum(s.st_size for s in stats), max((s.st_mtime for s in stats), default=None))


def _stats(folder: Path, pattern: str) -> list[tuple[str, os.stat_result]]:
    """(name, stat) of the files matching `pattern`; one renamed away while we look is skipped."""
    found = []
    for path in folder.glob(pattern):
        with contextlib.suppress(FileNotFoundError):
            found.append((path.name, path.stat()))
    return found


def saved_since(folder: Path, since: float) -> list[str]:
    """The `<service>.json` files written (renamed into place) at or after `since`."""
    return [name for name, stat in _stats(folder, "*.json") if stat.st_mtime >= since]


def save_progress(folder: Path, since: float, pid: int) -> StopProgress:
    """How far a save that began at `since` has got: files renamed into place since then, and the file
    being written with its size so far; the text adds the process's CPU time. CPU alone is not progress:
    MiniStack stopping with executions still running spends it on Lambda calls back to a server that no
    longer answers (each one times out), before its save begins."""
    saved = [stat for _name, stat in _stats(folder, "*.json") if stat.st_mtime >= since]
    writing = _stats(folder, "*.json.tmp")
    written = sum(stat.st_size for stat in saved)
    if saved or writing:
        parts = [f"saving its state: {len(saved)} files ({written / MB:.1f} MB) written"]
    else:  # its server first closes its connections and lets running requests end
        parts = ["shutting down, its save not begun yet"]
    for name, stat in writing:
        parts.append(f"writing {name.removesuffix('.tmp')} ({stat.st_size / MB:.1f} MB so far)")
    try:
        cpu = psutil.Process(pid).cpu_times()
        parts.append(f"cpu {cpu.user + cpu.system:.1f} s")
    except psutil.Error:
        pass
    done = (len(saved), written, tuple(sorted((name, stat.st_size) for name, stat in writing)))
    return StopProgress(done, ", ".join(parts))


def unfinished_files(folder: Path) -> list[str]:
    """The `<service>.json` whose save was cut short (its .tmp left behind: the older .json stands)."""
    return sorted(path.name.removesuffix(".tmp") for path in folder.glob("*.json.tmp"))


def record_save(record: Path, folder: Path) -> SavedState:
    """Note that the state in `folder` is a complete save, now."""
    state = SavedState.of(folder)
    record.write_text(
        json.dumps({"saved_at": time.time(), "files": state.files, "bytes": state.bytes}) + "\n",
        encoding="utf-8",
    )
    return state


def last_save(record: Path) -> float | None:
    """When the last complete save was recorded, or None (never: the emulator starts empty)."""
    try:
        return float(json.loads(record.read_text(encoding="utf-8"))["saved_at"])
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None


def clock(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch))

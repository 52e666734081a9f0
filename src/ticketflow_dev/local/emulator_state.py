"""The emulator's saved state: MiniStack writes `STATE_DIR/<service>.json` only in its shutdown (each through
`<service>.json.tmp`, then a rename), and S3 object bodies under `S3_DATA_DIR` at every put. This module
follows a save as it happens, keeps a record of the last one that completed and hard links to its files,
and before a start puts them back in place of a save that was cut short (half of its files new, half old: a
state no run ever had)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from ticketflow_dev.local.service import StopProgress

SAVED_RECORD = "emulator-saved.json"  # beside the state folder: MiniStack's reset deletes its *.json
SAVE_MARKER = "emulator-save-complete.json"  # written by ministack_main once a save has completed
COMPLETE_SAVE = "emulator-complete"  # hard links to the files of the last complete save
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


# --- complete saves ------------------------------------------------------------------------------------
def completed_save(marker: Path, pid: int, since: float) -> bool:
    """Whether process `pid` completed a save at or after `since` (the marker it wrote says so)."""
    saved = _marker(marker)
    return saved is not None and saved[0] == pid and saved[1] >= since


def _marker(marker: Path) -> tuple[int, float] | None:
    try:
        document = json.loads(marker.read_text(encoding="utf-8"))
        return int(document["pid"]), float(document["saved_at"])
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None


def keep_complete_save(folder: Path, complete: Path) -> None:
    """Hard-link the `*.json` of `folder`, a complete save, into `complete` in place of the previous ones:
    MiniStack replaces each file by a rename, so a link keeps the old file whole, at no cost in bytes."""
    partial = complete.with_name(f"{complete.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for path in folder.glob("*.json"):
        _link(path, partial / path.name)
    previous = complete.with_name(f"{complete.name}.previous")
    shutil.rmtree(previous, ignore_errors=True)
    if complete.exists():
        complete.rename(previous)
    partial.rename(complete)
    shutil.rmtree(previous, ignore_errors=True)


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links: a copy does the same
        shutil.copy2(source, target)


@dataclass(frozen=True)
class SaveFiles:
    """Where the emulator's saved state and what says it is complete live (see the module docstring)."""

    folder: Path  # STATE_DIR
    complete: Path  # hard links to the last complete save's files
    marker: Path  # the emulator's word that a save completed
    record: Path  # the supervisor's record of the last complete save

    def adopt(self) -> SavedState:
        """Take the files in `folder` as the last complete save."""
        keep_complete_save(self.folder, self.complete)
        return record_save(self.record, self.folder)

    def settle(self) -> str | None:
        """Before a start: make `folder` hold a complete save (what MiniStack will load); what was done, or
        None when it already does."""
        current = dict(_stats(self.folder, "*.json"))
        cut_short = sorted(self.folder.glob("*.json.tmp"))
        kept = dict(_stats(self.complete, "*.json")) if self.complete.is_dir() else None
        changed = sorted(current.keys() if kept is None else _changed(current, kept))
        if not changed and not cut_short:
            return None
        if not cut_short and self._marked_after(current, changed):
            self.adopt()
            return "its last save completed, and nothing had recorded it: kept as the last complete save"
        for path in cut_short:
            path.unlink(missing_ok=True)
        if kept is not None:
            self._put_back(current, kept)
            return (
                f"its last save was cut short ({', '.join(changed)}): its last complete save is back in place"
            )
        if not current:
            return "its first save was cut short: nothing of it is kept"
        state = SavedState.of(self.folder)
        if (state.files, state.bytes) == _recorded(self.record):
            self.adopt()  # a save recorded before complete saves were kept (or a snapshot just loaded)
            return None
        for name in current:
            (self.folder / name).unlink()
        return "its saved files are not a save known to be complete: it starts empty"

    def _marked_after(self, current: dict[str, os.stat_result], changed: list[str]) -> bool:
        marker = _marker(self.marker)
        newest = max((current[name].st_mtime for name in changed if name in current), default=0.0)
        return marker is not None and marker[1] >= newest

    def _put_back(self, current: dict[str, os.stat_result], kept: dict[str, os.stat_result]) -> None:
        for name in current.keys() - kept.keys():
            (self.folder / name).unlink(missing_ok=True)
        for name in _changed(current, kept) & kept.keys():
            partial = self.folder / f".{name}.restoring"
            partial.unlink(missing_ok=True)
            _link(self.complete / name, partial)
            partial.replace(self.folder / name)


def _changed(current: dict[str, os.stat_result], kept: dict[str, os.stat_result]) -> set[str]:
    """The files that are not the kept ones (another inode, or only on one side)."""
    both = current.keys() & kept.keys()
    return (current.keys() ^ kept.keys()) | {n for n in both if not os.path.samestat(current[n], kept[n])}


def _recorded(record: Path) -> tuple[int, int] | None:
    """How many files and bytes the last recorded save held."""
    try:
        document = json.loads(record.read_text(encoding="utf-8"))
        return int(document["files"]), int(document["bytes"])
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None

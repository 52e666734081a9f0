"""Snapshots of the local stack's state under `<home>/snapshots/<name>/`: a copy of `<home>/state` (the
emulator's saved files and S3 bodies, the warehouse's data directory) and of `<home>/outputs` (the deployed
stack's resource names, which the copy's emulator holds), with `snapshot.json` (when, what it holds,
fake_bedrock's faults). Copies are taken and put back only while the services are stopped; the caller
stops and starts them."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ticketflow_dev.local.emulator_state import COMPLETE_SAVE
from ticketflow_dev.local.service import Layout, StackError

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MANIFEST = "snapshot.json"
COPIED = ("state", "outputs")  # folders of the home a snapshot holds
# Hard links to the emulator's last complete save: the same files again (a copy would not keep the links);
# the emulator's first start after a load takes the loaded files as its complete save.
LEFT_OUT = frozenset({COMPLETE_SAVE})


@dataclass(frozen=True)
class Snapshot:
    name: str
    folder: Path
    created_at: float
    holds: dict[str, Any]  # what the stack held when it was taken (tickets, archive objects, rows, ...)
    faults: dict[str, Any] | None  # fake_bedrock's faults then (None: it was not running)

    @property
    def size(self) -> int:
        return sum(path.lstat().st_size for path in self.folder.rglob("*") if path.is_file())


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise StackError(
            f"{name!r} is not a snapshot name: use 1-64 letters, digits, '.', '_' or '-', starting with a"
            " letter or digit (e.g. demo-500)"
        )
    return name


def snapshots(layout: Layout) -> list[Snapshot]:
    """The complete snapshots, oldest first (a copy cut short has no manifest and is not one)."""
    if not layout.snapshots.is_dir():
        return []
    found = [_read(folder) for folder in layout.snapshots.iterdir() if (folder / MANIFEST).is_file()]
    return sorted(found, key=lambda snapshot: snapshot.created_at)


def find(layout: Layout, name: str) -> Snapshot:
    folder = layout.snapshots / check_name(name)
    if not (folder / MANIFEST).is_file():
        known = ", ".join(snapshot.name for snapshot in snapshots(layout)) or "none yet"
        raise StackError(f"no snapshot named {name!r} (known: {known}); `ticketflow snapshot save {name}`")
    return _read(folder)


def _read(folder: Path) -> Snapshot:
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    return Snapshot(folder.name, folder, manifest["created_at"], manifest["holds"], manifest["faults"])


def save(layout: Layout, name: str, holds: dict[str, Any], faults: dict[str, Any] | None) -> Snapshot:
    """Copy the stopped stack's state into a new snapshot; its manifest is written last, so a copy cut
    short is never taken for a snapshot."""
    folder = layout.snapshots / check_name(name)
    if folder.exists():
        raise StackError(
            f"snapshot {name!r} exists: pick another name, or `ticketflow snapshot delete {name}` first"
        )
    partial = layout.snapshots / f".{name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for part in COPIED:
        if (layout.home / part).is_dir():
            copy_tree(layout.home / part, partial / part, leave_out=LEFT_OUT)
    manifest = {"created_at": time.time(), "holds": holds, "faults": faults}
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    partial.rename(folder)
    return _read(folder)


def load(layout: Layout, snapshot: Snapshot) -> None:
    """Put the snapshot's state in place of the stopped stack's."""
    for part in COPIED:
        shutil.rmtree(layout.home / part, ignore_errors=True)
        if (snapshot.folder / part).is_dir():
            copy_tree(snapshot.folder / part, layout.home / part)


def delete(layout: Layout, name: str) -> Snapshot:
    snapshot = find(layout, name)
    shutil.rmtree(snapshot.folder)
    return snapshot


def copy_tree(source: Path, target: Path, *, leave_out: frozenset[str] = frozenset()) -> None:
    """Copy with modes, times and, as root, owners (the warehouse's data belongs to PostgreSQL's own user,
    which refuses a data directory it does not own); the top-level entries named in `leave_out` are not
    copied."""
    shutil.copytree(
        source,
        target,
        symlinks=True,
        ignore=lambda folder, names: [n for n in names if Path(folder) == source and n in leave_out],
    )
    if os.geteuid() != 0:
        return
    for path in [source, *source.rglob("*")]:
        copied = target / path.relative_to(source)
        if copied.exists() or copied.is_symlink():
            stat = path.lstat()
            os.lchown(copied, stat.st_uid, stat.st_gid)

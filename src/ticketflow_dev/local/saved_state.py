"""The emulator's saved state files, trimmed while it is stopped: reading them, rewriting them, the tally.

MiniStack 1.5.33 writes each service's state to `<service>.json` when it stops, as a versioned wrapper
(`__ministack_format__`, `payload`) around maps scoped by account and region (`data`), and loads it back
at its next start.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Compaction:
    kept: int
    dropped: int
    bytes_before: int
    bytes_after: int


# Drops what it will from the document in place: (kept, dropped).
Trim = Callable[[dict[str, Any]], tuple[int, int]]


def scoped_map(document: dict[str, Any], name: str) -> dict[str, Any]:
    """The account/region-scoped map `name`, in the versioned wrapper or a legacy file without it."""
    payload = document.get("payload", document) if "__ministack_format__" in document else document
    scoped = payload.get(name) or {}
    data: dict[str, Any] = scoped.get("data", {}) if isinstance(scoped, dict) else {}
    return data


def compact_file(path: Path, trim: Trim) -> Compaction:
    """Applies `trim` to the saved file at `path`; rewritten only when something was dropped.

    Call it only while the emulator is stopped: a running one overwrites the file when it stops.
    """
    if not path.is_file():
        return Compaction(0, 0, 0, 0)
    before = path.stat().st_size
    document = json.loads(path.read_text(encoding="utf-8"))
    kept, dropped = trim(document)
    if not dropped:
        return Compaction(kept, 0, before, before)
    temporary = path.with_suffix(".json.compacting")
    temporary.write_text(json.dumps(document), encoding="utf-8")
    temporary.replace(path)  # a crash mid-write leaves the old file whole
    return Compaction(kept, dropped, before, path.stat().st_size)


def check_keep(keep: int, what: str) -> None:
    if keep < 0:
        raise ValueError(f"keep must be zero or more {what}, got {keep}")

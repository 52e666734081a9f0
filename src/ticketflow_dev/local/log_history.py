"""Keeps the emulator's saved CloudWatch Logs bounded: each log group's newest streams.

MiniStack writes every Lambda invocation's lines to a log stream of its own and never applies a group's
retention (the stack sets a month), so `cloudwatch_logs.json` grows with every ticket (~50 MB after
8,000). Trimmed while the emulator is stopped, each group keeps its newest `keep` streams: with the
execution history's 2,000, a recent ticket's trace (`ticketflow trace`) still finds its lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ticketflow_dev.local.saved_state import Compaction, check_keep, compact_file, scoped_map

STATE_FILE = "cloudwatch_logs.json"
KEEP_STREAMS = 2000  # per group: one stream per invocation, so the newest 2,000 tickets' lines


def compact_saved_logs(state_dir: Path, *, keep: int = KEEP_STREAMS) -> Compaction:
    """Drops all but the newest `keep` streams of every log group in `state_dir`'s saved CloudWatch Logs."""
    check_keep(keep, "log streams")

    def trim(document: dict[str, Any]) -> tuple[int, int]:
        kept = dropped = 0
        for group in scoped_map(document, "log_groups").values():
            streams: dict[str, Any] = group.get("streams") or {}
            newest = sorted(streams, key=lambda name: _last_written(streams[name]), reverse=True)
            for name in newest[keep:]:
                del streams[name]
            kept, dropped = kept + len(streams), dropped + len(newest[keep:])
        return kept, dropped

    return compact_file(state_dir / STATE_FILE, trim)


def _last_written(stream: dict[str, Any]) -> int:
    return int(stream.get("lastEventTimestamp") or stream.get("creationTime") or 0)

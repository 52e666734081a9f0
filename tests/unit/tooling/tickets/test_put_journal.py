"""The journal of what this tool put on the stream: appended, read since a moment, trimmed."""

from __future__ import annotations

from pathlib import Path

import pytest

from ticketflow_dev.tickets import put_journal
from ticketflow_dev.tickets.producer import Submitted
from ticketflow_dev.tickets.put_journal import PutJournal


def test_puts_are_read_back_since_a_moment_and_a_line_cut_short_is_skipped(tmp_path: Path) -> None:
    # GIVEN puts recorded in two batches, and a last line cut short (this tool killed mid-write)
    journal = PutJournal(tmp_path / "puts.log")
    journal.record([Submitted("TKT-20261207-0001", 100.0), Submitted("TKT-20261207-0002", 101.0)])
    journal.record([Submitted("TKT-20261207-0003", 200.0)])
    with journal.path.open("a", encoding="ascii") as handle:
        handle.write("300.5")

    # WHEN / THEN: those put at or after a moment, each with when
    assert journal.since(101.0) == {"TKT-20261207-0002": 101.0, "TKT-20261207-0003": 200.0}
    assert PutJournal(tmp_path / "missing.log").since(0) == {}


def test_a_large_journal_drops_what_the_last_save_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a journal past its size limit, the emulator's last save at 150
    monkeypatch.setattr(put_journal, "TRIM_AT_BYTES", 10)
    journal = PutJournal(tmp_path / "puts.log", saved_at=150.0)

    # WHEN more is recorded
    journal.record([Submitted("TKT-20261207-0001", 100.0), Submitted("TKT-20261207-0002", 200.0)])

    # THEN only what was put since the save is kept
    assert journal.path.read_text(encoding="ascii") == "200.000 TKT-20261207-0002\n"

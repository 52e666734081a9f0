"""What this tool put on the stream, kept beside the emulator's state and outside its memory.

A ticket put but not yet answered lives only in the emulator's memory (its stream record, its execution), so
a crash of the emulator takes it without a trace there. The commands that put tickets (`submit`, `demo`)
append each acknowledged record here (`<put_at> <ticket_id>` a line), so that after a crash the tickets put
since the last save and neither answered nor in the table can be named. Tickets put by other producers
(your own code, the AWS CLI) are not in it: those the crash took cannot be known.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ticketflow_dev.local.emulator import save_files
from ticketflow_dev.local.emulator_state import last_save
from ticketflow_dev.local.service import Layout
from ticketflow_infra.settings import Settings

if TYPE_CHECKING:
    from ticketflow_dev.tickets.producer import Submitted

JOURNAL = "stream-puts.log"
TRIM_AT_BYTES = 4 * 1024 * 1024  # past this, entries older than the last save are dropped


class PutJournal:
    def __init__(self, path: Path, *, saved_at: float | None = None) -> None:
        """`saved_at`: when the emulator last saved; entries before it are trimmed once the file is large."""
        self.path = path
        self._saved_at = saved_at

    def record(self, submitted: Sequence[Submitted]) -> None:
        """Append acknowledged puts (flushed to disk: a power cut takes the emulator's memory, not these)."""
        if not submitted:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="ascii") as journal:
            journal.writelines(f"{s.put_at:.3f} {s.ticket_id}\n" for s in submitted)
            journal.flush()
            os.fsync(journal.fileno())
        if self._saved_at is not None and self.path.stat().st_size > TRIM_AT_BYTES:
            self.forget_before(self._saved_at)

    def since(self, when: float) -> dict[str, float]:
        """Ticket id → when it was (last) put, for the puts at or after `when`."""
        return {ticket_id: put_at for put_at, ticket_id in self._entries() if put_at >= when}

    def forget_before(self, when: float) -> None:
        kept = [f"{put_at:.3f} {ticket_id}\n" for put_at, ticket_id in self._entries() if put_at >= when]
        partial = self.path.with_name(f".{self.path.name}.partial")
        partial.write_text("".join(kept), encoding="ascii")
        partial.replace(self.path)

    def _entries(self) -> list[tuple[float, str]]:
        try:
            text = self.path.read_text(encoding="ascii", errors="replace")
        except FileNotFoundError:
            return []
        entries = []
        for line in text.split("\n")[:-1]:  # whole lines only: the last may have been cut short by a crash
            put_at, _, ticket_id = line.partition(" ")
            try:
                entries.append((float(put_at), ticket_id))
            except ValueError:
                continue
        return entries


def put_journal(settings: Settings) -> PutJournal:
    """The journal of the local stack under `settings.home`."""
    layout = Layout.of(settings)
    return PutJournal(layout.state / JOURNAL, saved_at=last_save(save_files(layout).record))

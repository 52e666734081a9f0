"""One background reader shared by every open page: a round of reads at most every `interval` seconds, and
only while some page listens, so ten open tabs cost what one does and a closed console costs nothing.

Each round reads the fast sections, and the slow ones every `slow_every` rounds (or at once after an action
asked for a refresh); the newest snapshot is kept encoded, ready for every listener.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from psycopg import Error as DatabaseError

from ticketflow_dev.console import snapshot
from ticketflow_dev.console.sources import StackReader
from ticketflow_dev.faults.fake_bedrock_admin import FaultAdminError

DEFAULT_INTERVAL_S = 2.0
DEFAULT_SLOW_EVERY = 5
# What a read may fail with when its service is down or refuses: that section shows the error.
READ_ERRORS = (BotoCoreError, ClientError, DatabaseError, FaultAdminError, OSError, ValueError)


class Poller:
    def __init__(
        self,
        reader: StackReader,
        *,
        interval: float = DEFAULT_INTERVAL_S,
        slow_every: int = DEFAULT_SLOW_EVERY,
    ) -> None:
        self._reader = reader
        self._interval = interval
        self._slow_every = slow_every
        self._raw: dict[str, Any] = {}
        self._errors: dict[str, str] = {}
        self._version = 0
        self._payload = b"null"
        self._listeners = 0
        self._rounds = 0
        self._slow_due = True
        self._stopped = False
        self._changed = threading.Condition()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="console-poller", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._changed:
            self._stopped = True
            self._changed.notify_all()
        self._wake.set()
        self._thread.join(timeout=10)

    @property
    def stopped(self) -> bool:
        return self._stopped

    @contextmanager
    def listening(self) -> Iterator[None]:
        """While a page listens, rounds run."""
        with self._changed:
            self._listeners += 1
            self._changed.notify_all()  # wakes an idle poller; a running one keeps its pace
        try:
            yield
        finally:
            with self._changed:
                self._listeners -= 1

    def refresh_now(self) -> None:
        """After an action: a round at once, the slow sections included."""
        self._slow_due = True
        self._wake.set()

    def latest(self) -> tuple[int, bytes]:
        with self._changed:
            return self._version, self._payload

    def wait_newer(self, version: int, timeout: float) -> tuple[int, bytes]:
        """The snapshot after `version` once there is one, or the same one at the timeout (or on stop)."""
        with self._changed:
            self._changed.wait_for(lambda: self._version > version or self._stopped, timeout=timeout)
            return self._version, self._payload

    def run_round(self) -> None:
        """One round of reads, published to the listeners."""
        slow = self._slow_due or self._rounds % self._slow_every == 0
        self._slow_due = False
        self._rounds += 1
        reads = self._reader.fast() | (self._reader.slow() if slow else {})
        requests_before = self._reader.cost.requests
        started = time.perf_counter()
        for name, read in reads.items():
            self._read(name, read)
        cost = {
            "round": self._rounds,
            "slow": slow,
            "requests": self._reader.cost.requests - requests_before,
            "seconds": round(time.perf_counter() - started, 3),
            "by_section": {name: self._reader.cost.seconds.get(name) for name in reads},
            "interval": self._interval,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self._publish(snapshot.shape(self._raw, self._errors, cost))

    def _read(self, name: str, read: Callable[[], Any]) -> None:
        try:
            self._raw[name] = self._reader.timed(name, read)
            self._errors.pop(name, None)
        except READ_ERRORS as error:
            self._raw.pop(name, None)
            self._errors[name] = f"{type(error).__name__}: {error}"[:500]

    def _publish(self, shaped: Mapping[str, Any]) -> None:
        payload = json.dumps(shaped, default=str).encode("utf-8")
        with self._changed:
            self._version += 1
            self._payload = payload
            self._changed.notify_all()

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._listeners > 0 or self._stopped)
                if self._stopped:
                    return
            self._wake.clear()
            self.run_round()
            self._wake.wait(self._interval)  # the pace between rounds; an action or a new page cuts it short

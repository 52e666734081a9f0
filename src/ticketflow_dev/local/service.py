"""What the supervisor needs to know about one local service, and where the stack keeps its files."""

from __future__ import annotations

import abc
import hashlib
import os
import signal
import stat
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ticketflow_dev.iam import policy_file
from ticketflow_dev.local.processes import Launch
from ticketflow_infra.settings import Settings

# Unix socket paths are limited (sun_path: 108 bytes on Linux, 104 on macOS, the NUL included), so sockets
# live in a short folder of their own whatever the home's depth. /tmp and not $TMPDIR: on macOS that is
# ~50 bytes deep already.
RUNTIME_ROOT = Path("/tmp")  # noqa: S108 (a private folder in it, checked: see runtime_dir)

Report = Callable[[str], None]
"""A per-service progress callback: one short human-readable message."""


class StackError(RuntimeError):
    """A local-stack operation failed; the message says what to do about it."""


@dataclass(frozen=True)
class Layout:
    """The stack's files under `Settings.home` (git-ignored)."""

    home: Path

    @classmethod
    def of(cls, settings: Settings) -> Layout:
        """The layout under `settings.home`, made absolute (child processes run in other directories)."""
        return cls(settings.home.absolute())

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def run(self) -> Path:
        return self.home / "run"

    @property
    def state(self) -> Path:
        return self.home / "state"

    @property
    def iam(self) -> Path:
        """The deployed stacks' policies and the IAM requests an e2e run records (docs/iam.md)."""
        return self.home / policy_file.FOLDER

    @property
    def venvs(self) -> Path:
        return self.home / "venvs"

    @property
    def snapshots(self) -> Path:
        return self.home / "snapshots"

    @property
    def runtime(self) -> Path:
        """`/tmp/ticketflow-<uid>/<12 hex digits of the home's path>`: ~40 bytes for any home (see
        RUNTIME_ROOT); `runtime_dir` creates it."""
        digest = hashlib.sha256(str(self.home).encode("utf-8")).hexdigest()[:12]
        return RUNTIME_ROOT / f"ticketflow-{os.geteuid()}" / digest

    def log(self, service: str) -> Path:
        return self.logs / f"{service}.log"

    def pid_file(self, service: str) -> Path:
        return self.run / f"{service}.pid"

    def crash_record(self, service: str) -> Path:
        """A crash that lost state, kept from the `up` that found it until its recovery is done."""
        return self.run / f"{service}.crash.json"


@dataclass(frozen=True)
class Crash:
    """A service found dead without a stop: its pid file left behind, its process gone."""

    pid: int
    started_at: float  # when that process was started (the pid file's time), epoch seconds
    lost_state: bool  # whether it took state with it
    summary: str  # what it lost, for the user

    def as_json(self) -> dict[str, object]:
        return {
            "pid": self.pid,
            "started_at": self.started_at,
            "lost_state": self.lost_state,
            "summary": self.summary,
        }

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> Crash:
        return cls(
            int(document["pid"]),
            float(document["started_at"]),
            bool(document["lost_state"]),
            str(document["summary"]),
        )


@dataclass(frozen=True)
class StopProgress:
    done: object  # what has been written so far: a save progresses while this changes
    text: str  # the same for the user, with what else is worth knowing (e.g. CPU time)


@dataclass(frozen=True)
class StopWatch:
    """How a stop is bounded by progress: `progress()` says what the save has written so far, and the stop
    gives up, without killing, after `stall_timeout` s in which that did not change."""

    progress: Callable[[], StopProgress]
    stall_timeout: float


class Service(abc.ABC):
    """One supervised background process on 127.0.0.1."""

    name: str
    port: int
    port_variable: str  # the TICKETFLOW_* variable that moves it
    url: str
    process_marker: str  # a substring of its command line (guards against a recycled pid)
    stop_signal: signal.Signals = signal.SIGTERM
    signal_whole_group: bool = True
    start_timeout: float = 30.0
    stop_timeout: float = 15.0
    on_demand: bool = False  # started by the command that needs it, not by `up`; `down` stops it all the same

    def prepare(self, report: Report) -> None:  # noqa: B027 (optional hook)
        """Idempotent one-off work before a start (build a virtualenv, initialise a data directory)."""

    @abc.abstractmethod
    def launch(self) -> Launch:
        """The command that runs the service in the foreground."""

    @abc.abstractmethod
    def probe(self) -> str | None:
        """None when healthy, else a short description of what is wrong (becomes the 'last state')."""

    def after_healthy(self, report: Report) -> None:  # noqa: B027 (optional hook)
        """Idempotent work once the service answers (e.g. create a database)."""

    def stop_watch(self, since: float) -> StopWatch | None:  # noqa: ARG002 (optional hook)
        """For a service that saves on its way out: how to follow that save (started at `since`, epoch
        seconds). None: the stop is bounded by `stop_timeout`, then the process is killed."""
        return None

    def after_clean_stop(self, pid: int, since: float, report: Report) -> bool:  # noqa: ARG002 (a hook)
        """Work once process `pid`, signalled to stop at `since` (epoch seconds), has exited by itself;
        False when it did not stop cleanly after all (it died before its save completed: a crash)."""
        return True

    def crash(self, pid: int, started_at: float) -> Crash:
        """What a process of this service that died without a stop lost; by default nothing (it keeps no
        state of its own)."""
        return Crash(pid, started_at, lost_state=False, summary="it keeps no state: nothing was lost")


class HttpGetError(OSError):
    """A GET that got no 2xx answer; the message says which URL and why (`GET URL -> HTTP 404`)."""


def http_get(url: str, *, timeout: float = 1.0) -> bytes:
    """The body of GET `url` (a local service's http URL) when it answers 2xx, else HttpGetError."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (http URL we build)
            status, body = int(response.status), response.read()
    except urllib.error.HTTPError as error:
        raise HttpGetError(f"GET {url} -> HTTP {error.code}") from error
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise HttpGetError(f"GET {url} -> {reason}") from error
    if not 200 <= status < 300:
        raise HttpGetError(f"GET {url} -> HTTP {status}")
    return bytes(body)


def http_probe(url: str, *, timeout: float = 1.0) -> str | None:
    """None when GET `url` answers 2xx, else why not."""
    try:
        http_get(url, timeout=timeout)
    except HttpGetError as error:
        return str(error)
    return None


def runtime_dir(layout: Layout) -> Path:
    """The layout's short runtime folder, created. Its parent in /tmp must be a folder of this user's (not a
    link, nobody else's): another user could otherwise put a socket in our place."""
    private = layout.runtime.parent
    private.mkdir(mode=0o711, exist_ok=True)
    info = private.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
        raise StackError(
            f"{private} is not a folder of this user's (uid {os.geteuid()}): the local stack keeps sockets"
            " there; remove it and run the command again"
        )
    layout.runtime.mkdir(exist_ok=True)
    return layout.runtime

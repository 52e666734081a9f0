"""What the emulator's crash proofs share: the kill, the user's one `ticketflow up`, a paced load through the
put journal, an item rebuilt from the archive compared with the one the crash took, a stack of its own in a
fresh home (for the first-run crashes), and one ticket end to end afterwards."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.e2e.conftest import DeployedStack
from tests.e2e.helpers import archived_ticket, fresh_tickets, raw_item, ticketflow
from ticketflow.model import TicketSubmitted
from ticketflow_dev.bench.pacing import submit_paced
from ticketflow_dev.core.aws import Clients
from ticketflow_dev.core.polling import wait_until
from ticketflow_dev.local.processes import is_running, read_pid
from ticketflow_dev.local.service import Layout
from ticketflow_dev.stack.deploy import outputs_file
from ticketflow_dev.tickets import producer
from ticketflow_dev.tickets.put_journal import PutJournal
from ticketflow_infra.outputs import StackOutputs
from ticketflow_infra.paths import REPO_ROOT
from ticketflow_infra.settings import Settings

DEADLINE = 240.0
RATE = 8.0  # tickets a second: a steady trickle, well below the knee
TICKETFLOW = REPO_ROOT / ".venv" / "bin" / "ticketflow"
# What only the lost item held (see ticketflow_dev.tickets.rebuild), and what a rebuilt item has instead.
UNKNOWABLE = frozenset(
    {"received_at", "processing_at", "execution_arn", "history", "responded_at", "status_at"}
)


def kill_9(settings: Settings, service: str) -> int:
    """`kill -9` the service's process, as the out-of-memory killer would, and wait until it is gone."""
    pid = read_pid(Layout.of(settings).pid_file(service))
    assert pid is not None, f"{service} is not running"
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not is_running(pid), timeout=10, interval=0.05, description=f"{service} to die")
    return pid


@dataclass(frozen=True)
class Recovery:
    output: str
    seconds: float


def ticketflow_up() -> Recovery:
    """The user's one `ticketflow up` (in this process, on the session's settings), timed."""
    began = time.monotonic()
    output = ticketflow("up")
    return Recovery(output, time.monotonic() - began)


def responded(stack: DeployedStack, ticket_ids: list[str]) -> set[str]:
    states = stack.tracker().states(ticket_ids)
    return {t for t, state in states.items() if state.status == "RESPONDED"}


def answered_items(stack: DeployedStack, ticket_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The RESPONDED items among `ticket_ids`, as stored."""
    items = {t: raw_item(stack, t) for t in ticket_ids}
    return {t: item for t, item in items.items() if item is not None and item["status"]["S"] == "RESPONDED"}


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    """Numbers compared as numbers: `0.5` and `0.50` are one DynamoDB number."""
    return {k: {"N": Decimal(v["N"])} if "N" in v else v for k, v in item.items()}


def assert_as_before(before: dict[str, Any], after: dict[str, Any] | None) -> None:
    """`after` is the item `before` was: unchanged, or rebuilt from its archive object with every attribute
    the archive holds equal (the content hash included) and only the unknowable ones left out."""
    assert after is not None, before["ticket_id"]
    if "rebuilt_from" not in after:
        assert after == before
        return
    kept = {k: v for k, v in before.items() if k not in UNKNOWABLE}
    assert _plain({k: v for k, v in after.items() if k not in UNKNOWABLE | {"rebuilt_from"}}) == _plain(kept)
    assert after["status"] == {"S": "RESPONDED"}
    assert after["responded_at"] == after["status_at"] == before["processed_at"]
    [entry] = after["history"]["L"]
    assert entry["M"]["status"] == {"S": "RESPONDED"}
    assert "rebuilt from its archive object" in entry["M"]["reason"]["S"]


def assert_back(stack: DeployedStack, before: dict[str, dict[str, Any]], what: str, seconds: float) -> None:
    """Every ticket answered before the crash is back, as it was; the count and the time printed."""
    after = {t: raw_item(stack, t) for t in before}
    back = [t for t, item in after.items() if item is not None and item["status"]["S"] == "RESPONDED"]
    print(f"{what}: {len(back)} of {len(before)} answered tickets back, `up` took {seconds:.1f} s")  # noqa: T201
    for ticket_id, item in before.items():
        assert_as_before(item, after[ticket_id])


def one_ticket_goes_through(stack: DeployedStack, seed: int) -> None:
    """The stack works: a new ticket is answered and archived."""
    [ticket] = fresh_tickets(1, seed=seed)
    producer.submit(stack.clients("kinesis"), stack.outputs.stream_name, [ticket])
    final = stack.tracker().wait_for([ticket.ticket_id], timeout=DEADLINE)
    assert final[ticket.ticket_id].status == "RESPONDED"
    archived_ticket(stack, ticket)


class RecordingJournal(PutJournal):
    """The put journal, which also keeps what it was told was put, for the test to know."""

    def __init__(self, journal: PutJournal) -> None:
        super().__init__(journal.path)
        self.put: list[str] = []

    def record(self, submitted: Sequence[producer.Submitted]) -> None:
        super().record(submitted)
        self.put += [s.ticket_id for s in submitted]


class _StoppedError(Exception):
    """The load was told to stop."""


@contextmanager
def paced_load(
    stack: DeployedStack, tickets: list[TicketSubmitted], journal: PutJournal | None = None
) -> Iterator[threading.Event]:
    """Put `tickets` at RATE in a thread (through `journal`, as `ticketflow submit` and `demo` put them), all
    of them before the block ends, unless the yielded event is set: then it stops at its next tick."""
    stop = threading.Event()
    failures: list[BaseException] = []

    def pause(seconds: float) -> None:
        if stop.wait(seconds):
            raise _StoppedError

    def put() -> None:
        try:
            submit_paced(
                stack.clients("kinesis"),
                stack.outputs.stream_name,
                tickets,
                rate=RATE,
                sleep=pause,
                journal=journal,
            )
        except _StoppedError:
            pass
        except BaseException as error:  # noqa: BLE001 (reported by the test, not lost in a thread)
            failures.append(error)

    thread = threading.Thread(target=put, name="paced-load", daemon=True)
    thread.start()
    try:
        yield stop
    except BaseException:
        stop.set()
        raise
    finally:
        thread.join(timeout=DEADLINE)  # every ticket put, unless the body stopped it
    assert failures == [], failures


def start_ticketflow(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """`ticketflow ARGS` started as a user's shell starts it (its output in one pipe)."""
    return subprocess.Popen(
        [str(TICKETFLOW), *args], cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip


# --- a stack of its own -------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class FreshHome:
    """A home no stack ever ran in (the first `make demo` of a fresh clone), deeper than a Unix socket's path
    may be long, on ports of its own; the CLI runs in it as a user's shell would run it."""

    settings: Settings
    env: dict[str, str]

    def ticketflow(self, *args: str, timeout: float = 900.0) -> Recovery:
        """`ticketflow ARGS` in this home, timed; its output (stdout and stderr) whatever its exit code."""
        began = time.monotonic()
        result = subprocess.run(
            [str(TICKETFLOW), *args], cwd=REPO_ROOT, env=self.env, capture_output=True, text=True,
            timeout=timeout, check=False,
        )  # fmt: skip
        output = result.stdout + result.stderr
        print(f"$ ticketflow {' '.join(args)} (exit {result.returncode})\n{output}")  # noqa: T201
        assert result.returncode == 0, output
        return Recovery(output, time.monotonic() - began)

    def start(self, *args: str) -> subprocess.Popen[str]:
        return start_ticketflow(*args, env=self.env)

    def stack(self) -> DeployedStack:
        outputs = StackOutputs.from_file(outputs_file(self.settings), self.settings.stack_name)
        assert outputs is not None, "not deployed"
        return DeployedStack(outputs, Clients(self.settings))


@contextmanager
def fresh_home(root: Path, session: Settings) -> Iterator[FreshHome]:
    """A FreshHome under `root`, stopped and removed afterwards. It shares only the session's virtualenvs
    (the emulator's interpreter and packages, built once: a link), not their state."""
    home = root / ("deep-" * 12) / ("clone-" * 8) / ".ticketflow"
    home.mkdir(parents=True)
    assert len(str(home / "run" / "warehouse" / ".s.PGSQL.65535")) > 107  # the old socket place: too long
    (home / "venvs").symlink_to(Layout.of(session).venvs)
    ports = {
        "TICKETFLOW_HOME": str(home),
        "TICKETFLOW_EMULATOR_PORT": str(free_port()),
        "TICKETFLOW_WAREHOUSE_PORT": str(free_port()),
        "TICKETFLOW_FAKE_BEDROCK_PORT": str(free_port()),
        "TICKETFLOW_FAULT_PROXY_PORT": str(free_port()),
    }
    env = dict(os.environ) | ports
    fresh = FreshHome(Settings.load(environ=env), env)
    try:
        yield fresh
    finally:
        subprocess.run(
            [str(TICKETFLOW), "down"], cwd=REPO_ROOT, env=env, capture_output=True, timeout=300, check=False
        )
        shutil.rmtree(Layout.of(fresh.settings).runtime, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)

"""The supervisor's up/down/status logic with trivial stand-in services (local processes, no network)."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ticketflow_dev.local import Service, StackError, down, status, up
from ticketflow_dev.local.processes import Launch, is_running, read_pid
from ticketflow_dev.local.service import Layout, Report
from ticketflow_infra.settings import Settings

MARKER = "ticketflow-unit-test-service"
RUNS = "import pathlib, sys, time; pathlib.Path(sys.argv[1]).touch(); time.sleep(600)"
CRASHES = "import sys\nfor n in range(40): print('config line', n)\nprint('fatal: no config'); sys.exit(3)"
HANGS = "import time; time.sleep(600)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class StandIn(Service):
    """A process that marks itself ready by creating a file; healthy when that file exists."""

    port_variable = "TICKETFLOW_STANDIN_PORT"
    process_marker = MARKER
    start_timeout = 10.0
    stop_timeout = 5.0

    def __init__(self, name: str, home: Path, code: str = RUNS, start_timeout: float = 10.0) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"stand-in://{name}"
        self.ready = home / f"{name}.ready"
        self.code = code
        self.start_timeout = start_timeout
        self.prepared = 0

    def prepare(self, report: Report) -> None:
        report("preparing")
        self.prepared += 1
        self.ready.unlink(missing_ok=True)

    def launch(self) -> Launch:
        return Launch(
            argv=[sys.executable, "-c", self.code, str(self.ready), MARKER], env={}, cwd=self.ready.parent
        )

    def probe(self) -> str | None:
        return None if self.ready.exists() else "no ready file yet"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home")


@pytest.fixture
def cleanup(settings: Settings) -> Iterator[list[Service]]:
    """Whatever a test registers here is stopped afterwards, whatever happened."""
    registered: list[Service] = []
    yield registered
    down(settings, services=registered)


def test_up_is_idempotent_and_down_stops_everything(settings: Settings, cleanup: list[Service]) -> None:
    # GIVEN two stand-in services
    services: list[Service] = [StandIn("alpha", settings.home), StandIn("beta", settings.home)]
    cleanup.extend(services)
    messages: list[tuple[str, str]] = []

    # WHEN the stack is brought up twice
    first = up(
        settings, services=services, progress=lambda service, message: messages.append((service, message))
    )
    second = up(settings, services=services)

    # THEN both are healthy, started by the first call only, with the same pids and pid files on disk
    layout = Layout.of(settings)
    assert [(s.name, s.state, s.started) for s in first] == [
        ("alpha", "healthy", True),
        ("beta", "healthy", True),
    ]
    assert [(s.state, s.started) for s in second] == [("healthy", False), ("healthy", False)]
    assert [s.pid for s in first] == [s.pid for s in second]
    assert [read_pid(layout.pid_file(name)) for name in ("alpha", "beta")] == [s.pid for s in first]
    assert ("alpha", "starting") in messages
    assert [s.log for s in first] == [str(layout.log("alpha")), str(layout.log("beta"))]

    # WHEN it is brought down
    stopped = down(settings, services=services)

    # THEN the processes are gone, the pid files removed and status says stopped
    assert [s.state for s in stopped] == ["stopped", "stopped"]
    assert not any(is_running(pid) for pid in (s.pid for s in first) if pid is not None)
    assert not layout.pid_file("alpha").exists()
    assert [s.state for s in status(settings, services=services)] == ["stopped", "stopped"]


def test_a_stale_pid_file_is_cleaned_up(settings: Settings, cleanup: list[Service]) -> None:
    # GIVEN a pid file left by a process that no longer exists
    service = StandIn("alpha", settings.home)
    cleanup.append(service)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    pid_file = Layout.of(settings).pid_file("alpha")
    pid_file.parent.mkdir(parents=True)
    pid_file.write_text(f"{dead.pid}\n")
    messages: list[str] = []

    # WHEN the stack is brought up
    [result] = up(settings, services=[service], progress=lambda _service, message: messages.append(message))

    # THEN the stale file was noticed and the service started afresh
    assert "removed a stale pid file" in messages
    assert result.state == "healthy"
    assert result.started
    assert read_pid(pid_file) == result.pid != dead.pid


def test_a_taken_port_is_named_with_the_setting_that_moves_it(
    settings: Settings, cleanup: list[Service]
) -> None:
    # GIVEN a service whose port another socket holds
    service = StandIn("alpha", settings.home)
    cleanup.append(service)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", service.port))
        squatter.listen()

        # WHEN the stack is brought up
        with pytest.raises(StackError) as raised:
            up(settings, services=[service])

    # THEN the error names port, service and variable, and nothing was prepared or started
    message = str(raised.value)
    assert f"port {service.port}" in message
    assert "alpha" in message
    assert "TICKETFLOW_STANDIN_PORT" in message
    assert service.prepared == 0
    assert not Layout.of(settings).pid_file("alpha").exists()


def test_a_crashing_service_fails_with_its_log_and_rolls_back(
    settings: Settings, cleanup: list[Service]
) -> None:
    # GIVEN one good service and one that exits at start-up after logging 41 lines
    good, bad = StandIn("good", settings.home), StandIn("bad", settings.home, code=CRASHES)
    cleanup.extend([good, bad])

    # WHEN the stack is brought up
    with pytest.raises(StackError) as raised:
        up(settings, services=[good, bad])

    # THEN the error says which service exited with which code, and shows the last 30 lines of its log
    message = str(raised.value)
    assert "bad exited with code 3 while starting" in message
    assert "fatal: no config" in message
    assert "config line 11" in message
    assert "config line 10\n" not in message
    # AND the good service, started by this call, was stopped again
    assert [s.state for s in status(settings, services=[good, bad])] == ["stopped", "stopped"]
    assert not Layout.of(settings).pid_file("good").exists()


def test_a_service_that_never_gets_healthy_times_out_with_its_last_state(
    settings: Settings, cleanup: list[Service]
) -> None:
    # GIVEN a service that runs but never becomes ready, with a short start deadline
    service = StandIn("slow", settings.home, code=HANGS, start_timeout=0.5)
    cleanup.append(service)

    # WHEN the stack is brought up
    with pytest.raises(StackError) as raised:
        up(settings, services=[service])

    # THEN the error says so, with the probe's last answer, and the process is gone
    assert "slow did not become healthy within 0.5 s (last: no ready file yet)" in str(raised.value)
    assert status(settings, services=[service])[0].state == "stopped"


def test_status_of_a_running_but_unhealthy_service(settings: Settings, cleanup: list[Service]) -> None:
    # GIVEN a running service whose health check starts failing
    service = StandIn("alpha", settings.home)
    cleanup.append(service)
    [started] = up(settings, services=[service])
    service.ready.unlink()

    # WHEN / THEN status reports it unhealthy, with the probe's reason and its pid
    [reported] = status(settings, services=[service])
    assert (reported.state, reported.pid, reported.detail) == ("unhealthy", started.pid, "no ready file yet")

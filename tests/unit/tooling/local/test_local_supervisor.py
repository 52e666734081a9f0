"""The supervisor's up/down/status logic with trivial stand-in services (local processes, no network)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ticketflow_dev.local import Service, StackError, down, status, up
from ticketflow_dev.local.processes import Launch, is_running, read_pid
from ticketflow_dev.local.service import Crash, Layout, Report, StopProgress, StopWatch
from ticketflow_dev.local.supervisor import recovered
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


def dead_pid_file(settings: Settings, name: str) -> tuple[subprocess.Popen[bytes], Path]:
    """The pid file of service `name`, left by a process that died without a stop."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    pid_file = Layout.of(settings).pid_file(name)
    pid_file.parent.mkdir(parents=True)
    pid_file.write_text(f"{dead.pid}\n")
    return dead, pid_file


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


def test_a_pid_file_left_by_a_dead_process_is_a_crash_that_up_recovers(
    settings: Settings, cleanup: list[Service]
) -> None:
    # GIVEN a pid file left by a process that no longer exists (it died without a stop)
    service = StandIn("alpha", settings.home)
    cleanup.append(service)
    dead, pid_file = dead_pid_file(settings, "alpha")
    messages: list[str] = []

    # WHEN its status is asked, the stack stopped, then brought up
    [before] = status(settings, services=[service])
    [stopped] = down(settings, services=[service])
    [result] = up(settings, services=[service], progress=lambda _service, message: messages.append(message))

    # THEN the status says crashed, and up says so, starts it afresh and hands back what the crash lost
    assert before.state == stopped.state == "crashed"  # a stop keeps the record of the crash for `up`
    assert before.detail == f"pid {dead.pid} died without a stop: it keeps no state: nothing was lost"
    assert messages[0] == f"crashed: pid {dead.pid} died without a stop; it keeps no state: nothing was lost"
    assert result.state == "healthy"
    assert result.started
    assert result.crash is not None
    assert (result.crash.pid, result.crash.lost_state) == (dead.pid, False)
    assert read_pid(pid_file) == result.pid != dead.pid


class Stateful(StandIn):
    """A stand-in whose crash loses state, as the emulator's does."""

    def crash(self, pid: int, started_at: float) -> Crash:
        return Crash(pid, started_at, lost_state=True, summary="its state is gone")


def test_a_crash_that_lost_state_is_handed_back_by_every_up_until_it_is_recovered(
    settings: Settings, cleanup: list[Service]
) -> None:
    # GIVEN a service whose crash loses state, found dead by an `up` whose caller's recovery then stopped
    service = Stateful("alpha", settings.home)
    cleanup.append(service)
    dead, _ = dead_pid_file(settings, "alpha")
    [first] = up(settings, services=[service])
    messages: list[str] = []

    # WHEN the next `up` finds the service running
    [second] = up(settings, services=[service], progress=lambda _service, message: messages.append(message))

    # THEN it hands back the same crash (the recovery is to go on), until the crash is declared recovered
    assert first.crash is not None
    assert second.crash == first.crash
    assert (second.crash.pid, second.crash.lost_state) == (dead.pid, True)
    assert f"the recovery from its crash (pid {dead.pid}) is not finished yet" in messages
    recovered(settings, "alpha")
    [third] = up(settings, services=[service])
    assert third.crash is None


def test_an_unreadable_pid_file_is_removed(settings: Settings, cleanup: list[Service]) -> None:
    # GIVEN a pid file that holds no pid
    service = StandIn("alpha", settings.home)
    cleanup.append(service)
    pid_file = Layout.of(settings).pid_file("alpha")
    pid_file.parent.mkdir(parents=True)
    pid_file.write_text("garbage\n")
    messages: list[str] = []

    # WHEN the stack is brought up
    [result] = up(settings, services=[service], progress=lambda _service, message: messages.append(message))

    # THEN the file was noticed and removed, and the service started with no crash to tell of
    assert "removed a stale pid file" in messages
    assert result.started
    assert result.crash is None


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


def test_the_port_of_a_service_found_dead_is_given_a_moment_to_be_released(
    settings: Settings, cleanup: list[Service]
) -> None:
    # GIVEN a crashed service (its pid file names a dead process) whose port is still held, as a process
    # killed -9 holds it until its last thread has exited, and released half a second later
    service = StandIn("alpha", settings.home)
    cleanup.append(service)
    dead, _ = dead_pid_file(settings, "alpha")
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", service.port))
    squatter.listen()
    release = threading.Timer(0.5, squatter.close)
    release.start()

    messages: list[str] = []

    # WHEN the stack is brought up at once
    try:
        [result] = up(settings, services=[service], progress=lambda _s, message: messages.append(message))
    finally:
        release.join()

    # THEN it waited for the port and started the service, the crash handed back
    assert f"waiting for port {service.port} to be released by the dead process" in messages
    assert result.state == "healthy"
    assert result.started
    assert result.crash is not None
    assert result.crash.pid == dead.pid


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


# A process that, told to stop, saves for a while (20 writes 0.1 s apart) before it exits; or never does.
SAVES_ON_STOP = """
import pathlib, signal, sys, time
out = pathlib.Path(sys.argv[1]).with_suffix('.saved')
def save(*_):
    for _ in range(20):
        with out.open('a') as f: f.write('x' * 1000)
        time.sleep(0.1)
    sys.exit(0)
signal.signal(signal.SIGTERM, save)
pathlib.Path(sys.argv[1]).touch()
while True: time.sleep(1)
"""
STALLS_ON_STOP = """
import pathlib, signal, sys, time
signal.signal(signal.SIGTERM, lambda *_: None)
pathlib.Path(sys.argv[1]).touch()
while True: time.sleep(1)
"""


class Saver(StandIn):
    """A stand-in whose stop is followed by the size of what it saves, and may stall for 1 s."""

    def stop_watch(self, since: float) -> StopWatch | None:  # noqa: ARG002
        saved = self.ready.with_suffix(".saved")

        def progress() -> StopProgress:
            size = saved.stat().st_size if saved.exists() else 0
            return StopProgress(size, f"{size} bytes")

        return StopWatch(progress, stall_timeout=1.0)

    def after_clean_stop(self, pid: int, since: float, report: Report) -> bool:  # noqa: ARG002
        report("after a clean stop")
        return True


def test_a_stop_waits_for_a_save_longer_than_any_stall_while_it_progresses(
    settings: Settings, cleanup: list[Service]
) -> None:
    # GIVEN a service whose save on stop takes ~2 s, twice its stall limit
    service = Saver("saver", settings.home, code=SAVES_ON_STOP)
    cleanup.append(service)
    up(settings, services=[service])
    messages: list[str] = []

    # WHEN it is stopped
    [result] = down(settings, services=[service], progress=lambda _service, message: messages.append(message))

    # THEN the stop waited for the whole save (never killed), said how far it was, and ran the clean-stop step
    assert service.ready.with_suffix(".saved").stat().st_size == 20 * 1000
    assert result.state == "stopped"
    assert any(message.endswith(" bytes") and message != "0 bytes" for message in messages)
    assert messages[-2:] == ["after a clean stop", "stopped"]


def test_a_stop_whose_save_stalls_says_what_to_do_and_kills_nothing(
    settings: Settings, cleanup: list[Service]
) -> None:
    # GIVEN a service that ignores its stop signal and writes nothing
    service = Saver("staller", settings.home, code=STALLS_ON_STOP)
    [running] = up(settings, services=[service])
    assert running.pid is not None
    try:
        # WHEN it is stopped
        with pytest.raises(StackError) as raised:
            down(settings, services=[service])

        # THEN the error names the stall and the choices, and the process still runs with its pid file
        assert "has written nothing for 1 s" in str(raised.value)
        assert f"kill -9 {running.pid}" in str(raised.value)
        assert is_running(running.pid)
        assert read_pid(Layout.of(settings).pid_file("staller")) == running.pid
        # AND a second stop follows the same save without signalling again
        messages: list[str] = []
        with pytest.raises(StackError):
            down(settings, services=[service], progress=lambda _service, message: messages.append(message))
        assert "already told to stop by an earlier `down`: following its save" in messages
    finally:
        os.kill(running.pid, signal.SIGKILL)
        cleanup.append(StandIn("staller", settings.home))

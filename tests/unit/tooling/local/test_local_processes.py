"""Process plumbing: pid files, liveness (incl. zombies), port checks, log tails, detached start and stop."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ticketflow_dev.core.polling import wait_until
from ticketflow_dev.local.processes import (
    Launch,
    is_running,
    looks_like,
    port_is_free,
    read_pid,
    remove_pid,
    spawn_detached,
    stop_process,
    tail,
    write_pid,
)

SLEEPER = [sys.executable, "-c", "import time; print('sleeper up', flush=True); time.sleep(600)"]


@pytest.fixture
def listening_socket() -> Iterator[socket.socket]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock


def test_pid_file_round_trip(tmp_path: Path) -> None:
    # GIVEN a pid file written into a folder that does not exist yet
    path = tmp_path / "run" / "svc.pid"

    # WHEN it is written and read back
    write_pid(path, 4242)

    # THEN the pid survives, and no temporary file is left beside it
    assert read_pid(path) == 4242
    assert [p.name for p in path.parent.iterdir()] == ["svc.pid"]

    # AND after removal (twice: removing a missing file is fine) there is no pid
    remove_pid(path)
    remove_pid(path)
    assert read_pid(path) is None


@pytest.mark.parametrize("content", ["", "abc", "-5", "0", "12 34", "\xff"])
def test_unreadable_pid_files_hold_no_pid(tmp_path: Path, content: str) -> None:
    # GIVEN a pid file with garbage in it
    path = tmp_path / "svc.pid"
    path.write_bytes(content.encode("latin-1"))

    # WHEN / THEN it is treated as holding no pid
    assert read_pid(path) is None


def test_liveness_of_self_and_of_an_exited_child() -> None:
    # GIVEN this process, and a child that has exited but was not reaped yet (a zombie)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    wait_until(
        lambda: Path(f"/proc/{child.pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z",
        timeout=10,
        description="the child to exit",
    )

    # WHEN / THEN this process is running, the zombie is not
    assert is_running(__import__("os").getpid())
    assert not is_running(child.pid)
    child.wait()


def test_looks_like_matches_the_command_line() -> None:
    # GIVEN this process (a Python interpreter running pytest)
    pid = __import__("os").getpid()

    # WHEN / THEN a marker from its command line matches and a foreign one does not
    assert looks_like(pid, "python") or looks_like(pid, "pytest")
    assert not looks_like(pid, "certainly-not-in-the-command-line-1f3a")


def test_port_in_use_is_detected(listening_socket: socket.socket) -> None:
    # GIVEN a port that a socket of ours listens on
    port = listening_socket.getsockname()[1]

    # WHEN / THEN it is not free; once closed, it is
    assert not port_is_free("127.0.0.1", port)
    listening_socket.close()
    assert port_is_free("127.0.0.1", port)


def test_tail_gives_the_last_lines(tmp_path: Path) -> None:
    # GIVEN a log of 100 lines
    log = tmp_path / "svc.log"
    log.write_text("".join(f"line {n}\n" for n in range(100)))

    # WHEN / THEN its tail is the last lines, in order; a missing log has an empty tail
    assert tail(log, 3) == "line 97\nline 98\nline 99"
    assert tail(log, 3, max_bytes=12) == "line 99"  # a bounded window from the end, whole lines only
    assert tail(tmp_path / "missing.log") == ""


def test_detached_process_logs_and_stops_gracefully(tmp_path: Path) -> None:
    # GIVEN a detached sleeper that logs a line
    log = tmp_path / "logs" / "sleeper.log"
    process = spawn_detached(Launch(argv=SLEEPER, env={}, cwd=tmp_path), log)
    wait_until(lambda: "sleeper up" in log.read_text(), timeout=10, description="the sleeper's log line")

    # WHEN it is stopped with SIGTERM to its group
    graceful = stop_process(process.pid, stop_signal=signal.SIGTERM, whole_group=True, timeout=10)

    # THEN it stopped on the signal and is gone (reaped: is_running reaps its own children)
    assert graceful
    assert not is_running(process.pid)


def test_process_ignoring_the_signal_is_killed(tmp_path: Path) -> None:
    # GIVEN a detached process that ignores SIGTERM
    code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('armed', flush=True)"
    code += "; time.sleep(600)"
    log = tmp_path / "stubborn.log"
    process = spawn_detached(Launch(argv=[sys.executable, "-c", code], env={}, cwd=tmp_path), log)
    wait_until(lambda: "armed" in log.read_text(), timeout=10, description="the signal handler")

    # WHEN it is stopped with a short deadline
    graceful = stop_process(process.pid, stop_signal=signal.SIGTERM, whole_group=True, timeout=0.3)

    # THEN it had to be killed, and is gone
    assert not graceful
    assert not is_running(process.pid)

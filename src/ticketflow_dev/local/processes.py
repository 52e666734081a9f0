"""Process plumbing for the local stack: pid files, liveness, detached start, group stop, ports, logs."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import socket
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

from ticketflow_dev.core.polling import WaitTimeoutError, wait_until


# --- pid files -----------------------------------------------------------------------------------------
def read_pid(path: Path) -> int | None:
    """The pid on the first line of `path`, or None when the file is missing or that line is not a positive
    integer."""
    try:
        text = path.read_text(encoding="ascii").strip().split("\n", 1)[0].strip()
    except (FileNotFoundError, PermissionError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() and int(text) > 0 else None


def write_pid(path: Path, pid: int) -> None:
    """Write `pid` atomically (a reader never sees a half-written file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(f"{pid}\n", encoding="ascii")
    partial.replace(path)


def remove_pid(path: Path) -> None:
    path.unlink(missing_ok=True)


# --- liveness ------------------------------------------------------------------------------------------
def _reap(pid: int) -> bool:
    """Reap `pid` if it is an exited child of this process; True when it was reaped (so it is gone)."""
    try:
        reaped, _status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return False
    return reaped == pid


def _is_zombie(pid: int) -> bool:
    """True for a process that has exited but not been reaped (psutil: Linux and macOS alike)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def is_running(pid: int) -> bool:
    """Whether `pid` is a live process. Zombies count as dead: in containers whose init does not reap
    orphans, a stopped service can stay a zombie for ever."""
    if _reap(pid):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, owned by another user (e.g. PostgreSQL's unprivileged user when we are not root)
    return not _is_zombie(pid)


def command_line(pid: int) -> str | None:
    """The command line of `pid`, or None when it cannot be read (gone, a zombie, or another user's on
    macOS)."""
    try:
        return " ".join(psutil.Process(pid).cmdline()).strip()
    except psutil.Error:
        return None


def looks_like(pid: int, marker: str) -> bool:
    """Guard against pid reuse: the process's command line mentions `marker` (True where it is unreadable)."""
    line = command_line(pid)
    return line is None or marker in line


# --- launching and stopping ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Launch:
    """How to start one service as a detached process."""

    argv: Sequence[str]
    env: Mapping[str, str]
    cwd: Path
    user: str | None = None  # run as this system user (PostgreSQL refuses to run as root)


def spawn_detached(launch: Launch, log_path: Path) -> subprocess.Popen[bytes]:
    """Start `launch` in a session of its own (it outlives this process), stdout and stderr to `log_path`
    (truncated: the log holds the current run), stdin from /dev/null."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        return subprocess.Popen(
            list(launch.argv),
            env=dict(launch.env),
            cwd=launch.cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            user=launch.user,
            group=_primary_group(launch.user),
            extra_groups=[] if launch.user is not None else None,
        )


def _primary_group(user: str | None) -> int | None:
    if user is None:
        return None
    import pwd  # noqa: PLC0415 (POSIX only)

    return pwd.getpwnam(user).pw_gid


def send_signal(pid: int, sig: signal.Signals, *, whole_group: bool) -> None:
    """Send `sig` to `pid`, or to its process group (it leads its own session); no error if it is gone."""
    with contextlib.suppress(ProcessLookupError):
        if whole_group:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)


def stop_process(
    pid: int, *, stop_signal: signal.Signals, whole_group: bool, timeout: float, kill_timeout: float = 5.0
) -> bool:
    """Signal `pid` (or its group), wait up to `timeout` for it to exit, then SIGKILL its group.

    Returns True when it stopped on the first signal, False when it had to be killed.
    """
    send_signal(pid, stop_signal, whole_group=whole_group)
    try:
        wait_until(
            lambda: not is_running(pid), timeout=timeout, interval=0.05, description=f"pid {pid} to exit"
        )
    except WaitTimeoutError:
        send_signal(pid, signal.SIGKILL, whole_group=True)
        wait_until(
            lambda: not is_running(pid), timeout=kill_timeout, interval=0.05, description=f"pid {pid} to die"
        )
        return False
    # Whatever the leader left behind in its group (e.g. MiniStack's Lambda workers) goes too.
    send_signal(pid, signal.SIGKILL, whole_group=True)
    return True


# --- ports ---------------------------------------------------------------------------------------------
def port_is_free(host: str, port: int) -> bool:
    """Whether a server could bind `host:port` now (SO_REUSEADDR, as servers do, so TIME_WAIT is free)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def listener_pid(port: int) -> int | None:
    """The pid listening on TCP `port`, or None when there is none or it cannot be seen (macOS lists other
    users' sockets to root only; a container's port belongs to the engine's proxy)."""
    try:
        connections = psutil.net_connections(kind="tcp")
    except psutil.Error:
        return None
    for connection in connections:
        address = connection.laddr
        if connection.status == psutil.CONN_LISTEN and address and address.port == port and connection.pid:
            return int(connection.pid)
    return None


def port_holder(port: int) -> str | None:
    """Who listens on TCP `port`: `pid N (command)`, or None when that cannot be seen."""
    pid = listener_pid(port)
    return None if pid is None else f"pid {pid} ({(command_line(pid) or '?')[:80]})"


def interpreter_of(pid: int) -> str | None:
    """The Python interpreter process `pid` runs on as it was started (a virtualenv's `bin/python`, not
    the base interpreter it links to, so the venv's packages come with it), or None if it is not Python."""
    try:
        process = psutil.Process(pid)
        argv, executable = process.cmdline(), process.exe()
    except psutil.Error:
        return None
    if argv and Path(argv[0]).name.startswith("python") and Path(argv[0]).is_file():
        return argv[0]
    return executable if Path(executable).name.startswith("python") else None


# --- logs ----------------------------------------------------------------------------------------------
def tail(path: Path, lines: int = 30, *, max_bytes: int = 64 * 1024) -> str:
    """The last `lines` lines of a text file (reading at most `max_bytes` from its end); '' if missing."""
    try:
        with path.open("rb") as handle:
            start = max(0, handle.seek(0, os.SEEK_END) - max_bytes)
            handle.seek(start)
            text = handle.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ""
    whole_lines = text.splitlines()[1:] if start > 0 else text.splitlines()  # drop a cut-off first line
    return "\n".join(whole_lines[-lines:])

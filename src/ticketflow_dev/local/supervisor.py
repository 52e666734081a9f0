"""`up`, `down` and `status` of the local stack: detached processes with pid files, health-checked.

Every operation takes the Settings explicitly and reports progress through an optional callback
`progress(service, message)`; nothing here prints. Calls are serialised between processes by a lock file.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Literal

from ticketflow_dev.core.polling import WaitTimeoutError, wait_until
from ticketflow_dev.local.emulator import EmulatorService
from ticketflow_dev.local.fake_bedrock_service import FakeBedrockService
from ticketflow_dev.local.fault_proxy import FaultProxyService
from ticketflow_dev.local.postgres_server import WarehouseService
from ticketflow_dev.local.processes import (
    is_running,
    looks_like,
    port_is_free,
    read_pid,
    remove_pid,
    send_signal,
    spawn_detached,
    stop_process,
    tail,
    write_pid,
)
from ticketflow_dev.local.service import Crash, Layout, Service, StackError, StopWatch
from ticketflow_infra.settings import Settings

Progress = Callable[[str, str], None]
"""`progress(service, message)`; calls are serialised, they may come from worker threads."""

State = Literal["healthy", "unhealthy", "stopped", "crashed"]
LOG_TAIL_LINES = 30
LOCK_TIMEOUT = 300.0
STOP_POLL = 0.2  # how often a stop that follows a save looks at it
PROGRESS_EVERY = 2.0  # and how often at most it says how far the save is
# A process killed -9 looks dead (its main thread a zombie) a moment before its last thread has exited and
# its listening socket is closed: the port of a service found dead is given this long to be released.
PORT_RELEASE_TIMEOUT = 10.0


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    state: State
    pid: int | None
    port: int
    url: str
    log: str
    detail: str | None = None  # why it is unhealthy, or what its crash lost
    started: bool = False  # started by this `up` call
    seconds: float | None = None  # how long this call took for it
    crash: Crash | None = None  # the process this `up` found dead without a stop (and so replaced)


def default_services(settings: Settings, *, environ: Mapping[str, str] | None = None) -> list[Service]:
    """The three services of the local stack, and the fault proxy (on demand). `environ` is what their
    processes inherit (after each service's own scrubbing); it defaults to this process's environment."""
    inherited = dict(os.environ if environ is None else environ)
    return [
        EmulatorService(settings, inherited_env=inherited),
        WarehouseService(settings, inherited_env=inherited),
        FakeBedrockService(settings, inherited_env=inherited),
        FaultProxyService(settings, inherited_env=inherited),
    ]


def _stack_services(settings: Settings, layout: Layout) -> list[Service]:
    """What `status` and `down` cover by default: the stack, and an on-demand service while it runs."""
    return [s for s in default_services(settings) if not s.on_demand or _live_pid(s, layout) is not None]


def _quiet(_service: str, _message: str) -> None:
    return None


def _serialised(progress: Progress | None) -> Progress:
    if progress is None:
        return _quiet
    lock = threading.Lock()

    def report(service: str, message: str) -> None:
        with lock:
            progress(service, message)

    return report


@contextlib.contextmanager
def _stack_lock(layout: Layout) -> Iterator[None]:
    """One `up`/`down` at a time per home (e.g. several pytest workers starting the stack)."""
    layout.run.mkdir(parents=True, exist_ok=True)
    with (layout.run / "stack.lock").open("w") as handle:

        def acquire() -> bool:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        wait_until(acquire, timeout=LOCK_TIMEOUT, interval=0.1, description=f"the lock on {layout.home}")
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- inspection ----------------------------------------------------------------------------------------
def _live_pid(service: Service, layout: Layout) -> int | None:
    """The pid of the service's running process, or None (a stale pid file is left for the caller)."""
    pid = read_pid(layout.pid_file(service.name))
    if pid is not None and is_running(pid) and looks_like(pid, service.process_marker):
        return pid
    return None


def _crash(service: Service, layout: Layout) -> Crash | None:
    """The crash a pid file tells of: it names a process that is gone (a stop removes its pid file)."""
    pid_file = layout.pid_file(service.name)
    pid = read_pid(pid_file)
    if pid is None or _live_pid(service, layout) is not None:
        return None
    try:
        started_at = pid_file.stat().st_mtime  # written when that process was started
    except FileNotFoundError:
        return None
    return service.crash(pid, started_at)


def _status(service: Service, layout: Layout) -> ServiceStatus:
    pid = _live_pid(service, layout)
    problem = service.probe() if pid is not None else None
    state: State = "stopped" if pid is None else "healthy" if problem is None else "unhealthy"
    if pid is None and (crash := _crash(service, layout)) is not None:
        state, problem = "crashed", f"pid {crash.pid} died without a stop: {crash.summary}"
    return ServiceStatus(
        service.name, state, pid, service.port, service.url, str(layout.log(service.name)), problem
    )


def status(settings: Settings, *, services: Sequence[Service] | None = None) -> list[ServiceStatus]:
    """Each service: healthy / unhealthy (running, not answering) / stopped, with pid, port and log."""
    layout = Layout.of(settings)
    return [_status(service, layout) for service in services or _stack_services(settings, layout)]


# --- up ------------------------------------------------------------------------------------------------
def _failure(service: Service, layout: Layout, what: str) -> StackError:
    log = layout.log(service.name)
    lines = tail(log, LOG_TAIL_LINES)
    shown = f"\nLast {LOG_TAIL_LINES} lines of {log}:\n{lines}" if lines else f"\n({log} is empty)"
    return StackError(f"{service.name} {what}.{shown}")


class _ExitedError(Exception):
    def __init__(self, code: int | None) -> None:
        super().__init__(code)
        self.code = code


def _wait_healthy(service: Service, layout: Layout, alive: Callable[[], int | None]) -> None:
    """Poll the health probe until it passes; `alive()` gives None while the process runs, else its code."""

    def check() -> str | None:
        if (code := alive()) is not None:
            raise _ExitedError(code)
        return service.probe()

    try:
        wait_until(
            check,
            until=lambda problem: problem is None,
            timeout=service.start_timeout,
            interval=0.1,
            description=f"{service.name} to become healthy",
        )
    except _ExitedError as exited:
        code = "" if exited.code is None or exited.code < 0 else f" with code {exited.code}"
        raise _failure(service, layout, f"exited{code} while starting") from None
    except WaitTimeoutError as timeout:
        what = f"did not become healthy within {service.start_timeout:g} s (last: {timeout.last_state})"
        raise _failure(service, layout, what) from None


def _start(service: Service, layout: Layout, report: Progress) -> ServiceStatus:
    began = time.monotonic()

    def say(message: str) -> None:
        report(service.name, message)

    service.prepare(say)
    launch = service.launch()
    say("starting")
    process = spawn_detached(launch, layout.log(service.name))
    write_pid(layout.pid_file(service.name), process.pid)
    try:
        _wait_healthy(service, layout, process.poll)
    except StackError:
        if process.poll() is not None:  # it never ran: a failed start, not a crash to recover
            remove_pid(layout.pid_file(service.name))
        raise
    service.after_healthy(say)
    seconds = time.monotonic() - began
    say(f"healthy in {seconds:.1f} s (pid {process.pid})")
    return replace(_status(service, layout), started=True, seconds=seconds)


def _adopt(service: Service, layout: Layout, pid: int, report: Progress) -> ServiceStatus:
    """A process is already running: leave it alone once it answers (it may still be starting)."""
    began = time.monotonic()
    if service.probe() is not None:
        report(service.name, f"running (pid {pid}), waiting for it to answer")
        _wait_healthy(service, layout, lambda: None if is_running(pid) else -1)
    service.after_healthy(lambda message: report(service.name, message))
    report(service.name, f"already running (pid {pid})")
    return replace(_status(service, layout), seconds=time.monotonic() - began)


def _port_error(service: Service, host: str) -> StackError:
    return StackError(
        f"port {service.port} on {host} is already in use by another process, so {service.name} cannot "
        f"start there: stop that process, or choose another port with {service.port_variable}=<port> "
        f"(environment or .env)"
    )


def up(
    settings: Settings, *, services: Sequence[Service] | None = None, progress: Progress | None = None
) -> list[ServiceStatus]:
    """Start every service that is not running, in parallel, and wait until all are healthy.

    Idempotent: a healthy running service is left alone; a stale pid file is removed. All ports are checked
    before anything starts. If a service fails, the services this call started are stopped again and a
    StackError says why (with the tail of the failing service's log).
    """
    layout = Layout.of(settings)
    chosen = list(services or [s for s in default_services(settings) if not s.on_demand])
    report = _serialised(progress)
    with _stack_lock(layout):
        running: dict[str, int] = {}
        crashes: dict[str, Crash] = {}
        found_dead: set[str] = set()
        for service in chosen:
            pid = _live_pid(service, layout)
            if pid is not None:
                running[service.name] = pid
            elif _clear_dead(service, layout, crashes, report):
                found_dead.add(service.name)
            if service.name not in crashes and (pending := _pending_crash(layout, service.name)) is not None:
                crashes[service.name] = pending
                report(service.name, f"the recovery from its crash (pid {pending.pid}) is not finished yet")
        for service in chosen:
            if service.name in running:
                continue
            grace = PORT_RELEASE_TIMEOUT if service.name in found_dead else 0.0
            if not _port_released(settings.bind_host, service, within=grace, report=report):
                raise _port_error(service, settings.bind_host)
        statuses = _bring_up(chosen, running, layout, report)
    return [replace(status, crash=crashes.get(status.name)) for status in statuses]


def _clear_dead(service: Service, layout: Layout, crashes: dict[str, Crash], report: Progress) -> bool:
    """Clear what a dead process of `service` left (its crash into `crashes`); whether there was one."""
    if (crash := _crash(service, layout)) is not None:
        crashes[service.name] = crash
        _clear_crash(service, layout, crash, report)
        return True
    if layout.pid_file(service.name).exists():
        remove_pid(layout.pid_file(service.name))
        report(service.name, "removed a stale pid file")
        return True
    return False


def _port_released(host: str, service: Service, *, within: float, report: Progress) -> bool:
    """Whether the service's port is free now, or becomes free `within` seconds."""
    port = service.port
    if port_is_free(host, port):
        return True
    if within <= 0:
        return False
    report(service.name, f"waiting for port {port} to be released by the dead process")
    try:
        wait_until(
            lambda: port_is_free(host, port), timeout=within, interval=0.05, description=f"port {port} free"
        )
    except WaitTimeoutError:
        return False
    return True


def _clear_crash(service: Service, layout: Layout, crash: Crash, report: Progress) -> None:
    """What a dead process leaves: its group's other processes (the emulator's Lambda workers, PostgreSQL's
    backends, which would hold its shared memory), and its pid file. A crash that lost state is recorded
    first: its pid file was the only record, and the recovery (the caller's) may itself be cut short."""
    report(service.name, f"crashed: pid {crash.pid} died without a stop; {crash.summary}")
    send_signal(crash.pid, signal.SIGKILL, whole_group=True)  # its own session: only its processes
    if crash.lost_state:
        record = layout.crash_record(service.name)
        partial = record.with_name(f".{record.name}.partial")
        partial.write_text(json.dumps(crash.as_json()) + "\n", encoding="utf-8")
        partial.replace(record)
    remove_pid(layout.pid_file(service.name))


def _pending_crash(layout: Layout, name: str) -> Crash | None:
    try:
        return Crash.from_json(json.loads(layout.crash_record(name).read_text(encoding="utf-8")))
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None


def recovered(settings: Settings, name: str) -> None:
    """The crash of service `name` has been recovered from (or its state replaced): forget it."""
    Layout.of(settings).crash_record(name).unlink(missing_ok=True)


def _bring_up(
    chosen: list[Service], running: dict[str, int], layout: Layout, report: Progress
) -> list[ServiceStatus]:
    def one(service: Service) -> ServiceStatus:
        if service.name in running:
            return _adopt(service, layout, running[service.name], report)
        return _start(service, layout, report)

    with ThreadPoolExecutor(max_workers=len(chosen) or 1, thread_name_prefix="ticketflow-up") as pool:
        futures = [pool.submit(one, service) for service in chosen]
    errors = [error for future in futures if (error := future.exception()) is not None]
    if not errors:
        return [future.result() for future in futures]
    started = [s for s in chosen if s.name not in running]
    _stop_all(started, layout, report)
    first = errors[0]
    if isinstance(first, StackError) and len(errors) == 1:
        raise first
    raise StackError(
        "\n\n".join(f"{type(e).__name__}: {e}" if not isinstance(e, StackError) else str(e) for e in errors)
    ) from first


# --- down ----------------------------------------------------------------------------------------------
def _stop(service: Service, layout: Layout, report: Progress, *, kill: bool = False) -> ServiceStatus:
    began = time.monotonic()
    pid_file = layout.pid_file(service.name)
    pid = _live_pid(service, layout)
    if pid is not None and kill:
        report(service.name, f"killing (pid {pid}): its state is to be dropped, not saved")
        send_signal(pid, signal.SIGKILL, whole_group=True)
        wait_until(lambda: not is_running(pid), timeout=10.0, interval=0.05, description=f"pid {pid} to die")
    elif pid is not None:
        report(service.name, f"stopping (pid {pid})")
        since = time.time()
        watch = service.stop_watch(since)
        if watch is not None:
            _stop_following(service, pid, watch, layout, report)
            graceful = True
        else:
            graceful = stop_process(
                pid,
                stop_signal=service.stop_signal,
                whole_group=service.signal_whole_group,
                timeout=service.stop_timeout,
            )
        if graceful and not service.after_clean_stop(
            pid, since, lambda message: report(service.name, message)
        ):
            # Gone before its save completed (killed, out of memory): a crash; its pid file tells `up`.
            remove_pid(layout.run / f"{service.name}.stopping")
            report(service.name, "died before its save completed: `ticketflow up` restarts it and recovers")
            return _status(service, layout)
        report(service.name, "stopped" if graceful else f"killed after {service.stop_timeout:g} s")
    elif not kill and (crash := _crash(service, layout)) is not None:
        # Its pid file is the only record of the crash: `up` needs it to recover what the crash lost.
        report(service.name, f"had crashed (pid {crash.pid}): `ticketflow up` restarts it and recovers")
        return _status(service, layout)
    elif pid_file.exists():
        report(service.name, "not running; removed a stale pid file")
    remove_pid(pid_file)
    remove_pid(layout.run / f"{service.name}.stopping")
    return replace(_status(service, layout), seconds=time.monotonic() - began)


def _stop_following(service: Service, pid: int, watch: StopWatch, layout: Layout, report: Progress) -> None:
    """Signal `pid` (once: a second SIGTERM would make MiniStack exit in the middle of its save), then wait
    for as long as its save moves on: never kill a process that is saving. A save that stalls for
    `watch.stall_timeout` s raises, the process left running."""
    signalled = layout.run / f"{service.name}.stopping"
    if read_pid(signalled) == pid:
        report(service.name, "already told to stop by an earlier `down`: following its save")
    else:
        write_pid(signalled, pid)
        send_signal(pid, service.stop_signal, whole_group=service.signal_whole_group)
    last, changed, shown = watch.progress(), time.monotonic(), time.monotonic()
    while is_running(pid):
        time.sleep(STOP_POLL)
        now = watch.progress()
        if time.monotonic() - shown >= PROGRESS_EVERY:
            report(service.name, now.text)
            shown = time.monotonic()
        if now.done != last.done:
            last, changed = now, time.monotonic()
        elif time.monotonic() - changed > watch.stall_timeout:
            raise StackError(
                f"{service.name} (pid {pid}) has written nothing for {watch.stall_timeout:g} s while"
                f" stopping (now: {now.text}). It is still running: nothing was killed. Wait and run"
                f" `ticketflow down` again, or give up what it has not saved with `kill -9 {pid}`"
                " (`ticketflow up` then recovers, redeploying what it lost)."
            )
    send_signal(pid, signal.SIGKILL, whole_group=True)  # what it left behind in its group (Lambda workers)


def _stop_all(
    services: Sequence[Service], layout: Layout, report: Progress, *, kill: bool = False
) -> list[ServiceStatus]:
    with ThreadPoolExecutor(max_workers=len(services) or 1, thread_name_prefix="ticketflow-down") as pool:
        return list(pool.map(lambda service: _stop(service, layout, report, kill=kill), services))


def down(
    settings: Settings,
    *,
    services: Sequence[Service] | None = None,
    only: Collection[str] | None = None,
    progress: Progress | None = None,
    kill: bool = False,
) -> list[ServiceStatus]:
    """Stop the services (those named in `only`, if given); pid files are removed. A service that saves on
    its way out (the emulator) is waited for as long as its save progresses; the others get their stop
    signal, a deadline, then SIGKILL. `kill`: SIGKILL at once, for state that is about to be dropped.
    Stopping a stopped service is not an error."""
    layout = Layout.of(settings)
    chosen = [s for s in services or _stack_services(settings, layout) if only is None or s.name in only]
    with _stack_lock(layout):
        return _stop_all(chosen, layout, _serialised(progress), kill=kill)

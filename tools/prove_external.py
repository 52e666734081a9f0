"""Proves TICKETFLOW_STACK=external: the suite, the deploy and the demo against services it did not start.

Starts an emulator, a warehouse and fake_bedrock as plain background processes on other ports (as a
docker-compose user's would be), in a folder the runs under test never see: MiniStack from a virtualenv of
its own with its defaults (no persistence, AWS's retry timing), PostgreSQL with a `ticketflow` role and a
`warehouse` database, fake_bedrock with its admin endpoint on. Then runs, with TICKETFLOW_STACK=external
pointed at them, each command (default: `make test-core`, the core integration and e2e tests, then
`ticketflow demo`), and after each checks that every service still runs as the same process and answers.
Stops them at the end, whatever happened.

    make prove-external
    PROVE_COMMANDS="ticketflow demo" make prove-external
    PROVE_PORTS=44566,45439,44580 make prove-external
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ticketflow_dev.core.polling import wait_until
from ticketflow_dev.local.emulator import REQUIREMENTS as EMULATOR_REQUIREMENTS
from ticketflow_dev.local.postgres_server import WarehouseService
from ticketflow_dev.local.processes import Launch, is_running, port_is_free, spawn_detached, stop_process
from ticketflow_dev.targets.external import ExternalTarget
from ticketflow_infra.paths import REPO_ROOT
from ticketflow_infra.settings import Settings

DEFAULT_PORTS = "34566,35439,34580"
# The core tier: the checks, the unit tier and the proofs need no stack of this kind; they run once, in
# `make test` and `make test-proofs`.
DEFAULT_COMMANDS = "make test-core;.venv/bin/ticketflow demo"
STOP_TIMEOUT = 60.0


@dataclass(frozen=True)
class Started:
    name: str
    pid: int
    log: Path
    stop_signal: signal.Signals = signal.SIGTERM
    whole_group: bool = True


def say(message: str) -> None:
    print(f"prove-external: {message}", flush=True)


def base_environment() -> dict[str, str]:
    """What a user's own shell would hand a service: no ticketflow or AWS settings of ours."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("TICKETFLOW_", "AWS_", "VIRTUAL_ENV"))}


def work_folder(settings: Settings) -> Path:
    """Under the home the settings name (TICKETFLOW_HOME, environment or .env), as for every tool: the
    services' data and logs and the runs' own home. Their sockets go to the short runtime folder of that
    home (see ticketflow_dev.local.service), whatever its depth."""
    return settings.home.absolute() / "prove-external"


def ministack_venv(work: Path) -> Path:
    """MiniStack installed the way its README says, in a virtualenv of its own (pinned as ours is)."""
    venv = work / "ministack-venv"
    if not (venv / "bin" / "ministack").exists():
        say(f"installing MiniStack into {venv} (once)")
        shutil.rmtree(venv, ignore_errors=True)
        log = work / "logs" / "ministack-venv.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check"]
        with log.open("w", encoding="utf-8") as out:
            for argv in ([sys.executable, "-m", "venv", str(venv)], [*pip, "-r", str(EMULATOR_REQUIREMENTS)]):
                if subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, check=False).returncode:
                    raise SystemExit(f"prove-external: installing MiniStack failed: see {log}")
    return venv


def start_services(settings: Settings, work: Path, started: list[Started]) -> None:
    """Start the three, appending each to `started` as it starts (so a failure still stops them all)."""
    env, logs = base_environment(), work / "logs"
    venv = ministack_venv(work)
    emulator = Launch(
        argv=[str(venv / "bin" / "ministack")],
        env=env | {"GATEWAY_PORT": str(settings.emulator_port), "BIND_HOST": settings.bind_host},
        cwd=work,
    )
    listen = ["--host", settings.bind_host, "--port", str(settings.fake_bedrock_port)]
    fake_bedrock = Launch(
        argv=[sys.executable, "-m", "fake_bedrock", "--admin", *listen],
        env=env | {"PYTHONPATH": str(REPO_ROOT)},
        cwd=work,
    )
    # The warehouse service's own launch command and its one-off role and database, not its supervisor:
    # the process is started here and no pid file of any home the runs under test use knows it.
    warehouse = WarehouseService(settings, inherited_env=env)
    warehouse.prepare(lambda message: say(f"warehouse: {message}"))
    launches = {"emulator": emulator, "warehouse": warehouse.launch(), "fake_bedrock": fake_bedrock}
    for name, launch in launches.items():
        log = logs / f"{name}.log"
        pid = spawn_detached(launch, log).pid
        if name == warehouse.name:  # the postmaster alone, with its fast shutdown, as the supervisor stops it
            started.append(Started(name, pid, log, warehouse.stop_signal, warehouse.signal_whole_group))
        else:
            started.append(Started(name, pid, log))
    wait_until(warehouse.probe, until=lambda problem: problem is None, timeout=60.0, interval=0.2,
               description="the warehouse to accept connections")  # fmt: skip
    warehouse.after_healthy(lambda message: say(f"warehouse: {message}"))
    ExternalTarget(settings, answer_timeout=60.0).up(lambda service, message: say(f"{service}: {message}"))


def stop_services(started: list[Started]) -> None:
    for service in started:
        signal_to, group = service.stop_signal, service.whole_group
        graceful = stop_process(service.pid, stop_signal=signal_to, whole_group=group, timeout=STOP_TIMEOUT)
        say(f"{service.name} (pid {service.pid}) {'stopped' if graceful else 'killed'}")


@contextmanager
def external_services(settings: Settings, work: Path) -> Iterator[list[Started]]:
    taken = [port for port in (settings.emulator_port, settings.warehouse_port, settings.fake_bedrock_port)
             if not port_is_free(settings.bind_host, port)]  # fmt: skip
    if taken:
        raise SystemExit(f"prove-external: ports {taken} are in use: choose others with PROVE_PORTS=a,b,c")
    started: list[Started] = []
    try:
        start_services(settings, work, started)
        yield started
    finally:
        stop_services(started)


def check_still_running(target: ExternalTarget, started: list[Started], after: str) -> None:
    """The run under test left every service running, as the same process, and answering."""
    gone = [service.name for service in started if not is_running(service.pid)]
    if gone:
        raise SystemExit(f"prove-external: {', '.join(gone)} no longer running after `{after}`")
    wait_until(
        lambda: [s.name for s in target.status() if s.state != "healthy"],
        until=lambda unhealthy: not unhealthy,
        timeout=30.0,
        interval=0.5,
        description=f"every external service to answer after `{after}`",
    )
    say(f"after `{after}`: all {len(started)} services still running (same pids) and answering")


def run(command: str, env: Mapping[str, str]) -> float:
    say(f"$ {command}")
    began = time.monotonic()
    result = subprocess.run(shlex.split(command), cwd=REPO_ROOT, env=dict(env), check=False)
    seconds = time.monotonic() - began
    if result.returncode != 0:
        raise SystemExit(
            f"prove-external: `{command}` failed (exit {result.returncode}) after {seconds:.0f} s"
        )
    say(f"`{command}` passed in {seconds:.0f} s")
    return seconds


def main() -> None:
    emulator, warehouse, fake_bedrock = (
        int(p) for p in os.environ.get("PROVE_PORTS", DEFAULT_PORTS).split(",")
    )
    work = work_folder(Settings.load())
    home = work / "home"  # the runs' own home: outputs, reports; no emulator venv of ours in it
    shutil.rmtree(home, ignore_errors=True)
    settings = Settings(
        stack="external",
        home=work / "services",
        emulator_port=emulator,
        warehouse_port=warehouse,
        fake_bedrock_port=fake_bedrock,
    )
    commands = [c.strip() for c in os.environ.get("PROVE_COMMANDS", DEFAULT_COMMANDS).split(";") if c.strip()]
    env = base_environment() | settings.model_copy(update={"home": home}).as_environment()
    timings: dict[str, float] = {}
    with external_services(settings, work) as started:
        target = ExternalTarget(settings)
        for command in commands:
            timings[command] = run(command, env)
            check_still_running(target, started, command)
    say("passed: " + "; ".join(f"`{command}` {seconds:.0f} s" for command, seconds in timings.items()))


if __name__ == "__main__":
    main()

"""What the AWS checks cost a ticket: the same load through the local stack with the checks off and on, in
one run.

    python tools/bench_parity.py [--rate 10] [--count 300] [--rounds 2]

Needs the local stack up and deployed (`make demo`). Each round runs the load twice, checks off then on:
before each, the emulator is restarted with TICKETFLOW_AWS_CHECKS set that way (its functions take the
checks from its environment), its functions are pre-warmed, and this process's own clients (the producer)
are switched alike. The figure is the CPU of the stack's processes (the emulator with its Lambda workers,
fake_bedrock, PostgreSQL) per ticket, as `ticketflow bench` measures it; the ratio on/off is taken within
each round, so a machine's load moves both halves alike. The emulator is left with the user's own setting.
Writes .ticketflow/reports/bench_parity.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

import psutil

from ticketflow_dev.bench.runner import Level
from ticketflow_dev.bench.session import run_bench
from ticketflow_dev.core.aws import Clients
from ticketflow_dev.core.aws_checks import switch_aws_checks
from ticketflow_dev.local import supervisor
from ticketflow_dev.stack.deploy import outputs_file
from ticketflow_dev.stack.functions import deployed_functions
from ticketflow_dev.stack.prewarm import prewarm
from ticketflow_infra.outputs import resolve
from ticketflow_infra.settings import Settings
from ticketflow_parity import PLUGIN_SPEC, PLUGIN_VARIABLE


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def restart_emulator(settings: Settings) -> dict[str, int]:
    """The emulator restarted with `settings`' checks, and the stack's processes (pid by service)."""
    supervisor.down(settings, only=["emulator"])
    statuses = supervisor.up(settings)
    processes = {status.name: status.pid for status in statuses if status.pid is not None}
    plugins = psutil.Process(processes["emulator"]).environ().get(PLUGIN_VARIABLE, "")
    if (PLUGIN_SPEC in plugins.split(",")) is not settings.aws_checks:
        raise SystemExit(f"the emulator did not take TICKETFLOW_AWS_CHECKS={settings.aws_checks}")
    return processes


def one_half(settings: Settings, *, level: Level, warmup: int) -> dict[str, Any]:
    """The load through the stack with `settings`' checks, everywhere they apply."""
    processes = restart_emulator(settings)
    switch_aws_checks(settings)
    clients = Clients(settings)  # created after the switch: the producer's clients check, or not, alike
    outputs = resolve({}, outputs_file(settings), settings.stack_name, clients("cloudformation"))
    functions = deployed_functions(clients("cloudformation"), clients("lambda"), settings.stack_name)
    prewarm(clients("lambda"), [function.warm_target() for function in functions])
    (result,) = run_bench(
        clients, outputs, [level], processes=processes, with_floor=False, warmup=warmup, timeout=300
    )
    cpu = result["cpu_seconds_by_service"]
    return {
        "aws_checks": settings.aws_checks,
        "stack_cpu_ms_per_ticket": round(1000 * sum(cpu.values()) / level.count, 2),
        "emulator_cpu_ms_per_ticket": result["emulator_cpu_ms_per_ticket"],
        "cpu_seconds_by_service": cpu,
        "lost": result["lost"],
        "result": result,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=10.0, help="offered tickets per second")
    parser.add_argument("--count", type=int, default=300, help="tickets per half")
    parser.add_argument("--rounds", type=int, default=2, help="off-then-on rounds")
    parser.add_argument("--warmup", type=int, default=20, help="tickets through first, not measured")
    args = parser.parse_args()
    settings = Settings.load()
    if settings.profile != "local" or settings.stack != "embedded":
        _say("this benchmark restarts the embedded emulator: run it on the local profile's embedded stack")
        return 2
    level = Level(args.rate, args.count)
    load_before = os.getloadavg()
    rounds = []
    try:
        for number in range(1, args.rounds + 1):
            halves = {}
            for on in (False, True):
                _say(f"round {number}: checks {'on' if on else 'off'}, {level.label}")
                halves["on" if on else "off"] = one_half(
                    settings.model_copy(update={"aws_checks": on}), level=level, warmup=args.warmup
                )
            ratio = halves["on"]["stack_cpu_ms_per_ticket"] / halves["off"]["stack_cpu_ms_per_ticket"]
            rounds.append(halves | {"cpu_ratio_on_to_off": round(ratio, 3)})
            _say(
                f"round {number}: off {halves['off']['stack_cpu_ms_per_ticket']} ms, on "
                f"{halves['on']['stack_cpu_ms_per_ticket']} ms CPU a ticket: x{ratio:.3f}"
            )
    finally:
        restart_emulator(settings)
    report = {
        "level": level.label,
        "rounds": rounds,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }
    path = settings.reports_dir / "bench_parity.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    summary = {key: value for key, value in report.items() if key != "rounds"} | {
        "ratios_on_to_off": [r["cpu_ratio_on_to_off"] for r in rounds],
        "cpu_ms_per_ticket_off_on": [
            (r["off"]["stack_cpu_ms_per_ticket"], r["on"]["stack_cpu_ms_per_ticket"]) for r in rounds
        ],
    }
    print(json.dumps(summary, indent=2))
    print(f"report: {path}")
    return 1 if any(half["lost"] for r in rounds for half in (r["off"], r["on"])) else 0


if __name__ == "__main__":
    sys.exit(main())

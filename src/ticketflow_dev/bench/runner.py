"""One bench level: generated tickets at an offered rate through a target, followed and measured."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ticketflow_dev.bench.floor import PREFIX as FLOOR_PREFIX
from ticketflow_dev.bench.floor import FloorStack
from ticketflow_dev.bench.pacing import submit_paced
from ticketflow_dev.bench.resources import ResourceSampler
from ticketflow_dev.bench.timings import RunSummary
from ticketflow_dev.bench.tracking import FinalStatus, follow, pipeline_finals, settle
from ticketflow_dev.core.aws import Clients
from ticketflow_dev.generation import generator
from ticketflow_dev.tickets.tracking import Tracker
from ticketflow_infra.outputs import StackOutputs


@dataclass(frozen=True)
class Target:
    name: str
    stream_name: str
    state_machine_arn: str
    finals: FinalStatus | None  # None: the execution's end is the final status
    not_counted: str | None = None  # processes mentioning this are not the target's (resources)


def pipeline_target(clients: Clients, outputs: StackOutputs) -> Target:
    tracker = Tracker(
        clients("dynamodb"), clients("stepfunctions"), outputs.table_name, outputs.state_machine_arn
    )
    finals = pipeline_finals(tracker)
    return Target(
        "pipeline", outputs.stream_name, outputs.state_machine_arn, finals, not_counted=FLOOR_PREFIX
    )


def floor_target(floor: FloorStack) -> Target:
    return Target("floor", floor.stream_name, floor.state_machine_arn, None)


@dataclass(frozen=True)
class Level:
    rate: float | None  # None: a burst
    count: int

    @property
    def label(self) -> str:
        return f"burst of {self.count}" if self.rate is None else f"{self.count} at {self.rate:g}/s"


def run_level(
    clients: Clients,
    target: Target,
    level: Level,
    *,
    processes: Mapping[str, int],
    timeout: float,
    on_progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """Waits for the target to be idle, submits, follows every ticket to its end (or `timeout` seconds after
    the last put), and summarises."""
    sfn = clients("stepfunctions")
    backlog = settle(
        sfn,
        target.state_machine_arn,
        timeout=timeout,
        on_progress=lambda n: on_progress(f"{target.name}: {n} earlier executions still running"),
    )
    # A fresh number block per run: ids never repeat, so no ticket is taken for a re-delivery.
    tickets = list(generator.tickets(level.count, seed=level.count, first_number=secrets.randbelow(10**9)))
    with ResourceSampler(processes, exclude=target.not_counted) as sampler:
        on_progress(f"{target.name}: submitting {level.label}")
        submitted = submit_paced(clients("kinesis"), target.stream_name, tickets, rate=level.rate)
        timings = follow(
            submitted,
            sfn,
            target.state_machine_arn,
            target.finals,
            timeout=timeout,
            on_progress=lambda done: on_progress(f"{target.name} {level.label}: {done}/{level.count} final"),
        )
    summary = RunSummary(target.name, level.rate, timings).as_json() | sampler.peaks.as_json()
    emulator_cpu = sampler.peaks.cpu_seconds_by_service.get("emulator", 0.0)
    # The emulator's CPU (its Lambda workers included) per ticket: the cost the pipeline adds to the floor.
    cpu_ms = round(1000 * emulator_cpu / level.count, 1)
    return summary | {"backlog_at_start": backlog, "emulator_cpu_ms_per_ticket": cpu_ms}

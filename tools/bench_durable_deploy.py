"""What a durable deploy costs: the clean restart of the emulator that saves its state after a deploy.

    python tools/bench_durable_deploy.py [--rounds 3]

MiniStack 1.5.33 saves only when it stops (it has no save endpoint), so `ticketflow deploy` restarts it
cleanly after a deploy that changed a stack (see ticketflow_dev.stack.deploy). Needs the embedded local stack
up and deployed (`make demo`). Each round runs that restart as the deploy does and times its two halves: the
stop (MiniStack's save, then the supervisor's compaction and its record of the save) and the start (MiniStack
loading the state again); the state's size is that round's save. Then one ticket is put and followed to its
end, its Lambda workers cold (the restart ended them), against a second one, warm: what a deploy's pre-warm
spares the first tickets. The cost grows with the state (executions, logs, items); run it on a young state
and on a grown one. Writes <home>/reports/durable_deploy.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from ticketflow_dev.core.aws import Clients
from ticketflow_dev.generation import generator
from ticketflow_dev.local import supervisor
from ticketflow_dev.local.emulator import save_files
from ticketflow_dev.local.emulator_state import MB, SavedState
from ticketflow_dev.local.service import Layout
from ticketflow_dev.stack.deploy import outputs_file
from ticketflow_dev.targets import stack_target
from ticketflow_dev.tickets import producer
from ticketflow_dev.tickets.tracking import Tracker
from ticketflow_infra.outputs import StackOutputs
from ticketflow_infra.settings import Settings

EMULATOR = "emulator"


def restart(settings: Settings) -> dict[str, float]:
    """The durable deploy's clean restart, its halves timed."""
    emulator = [s for s in supervisor.default_services(settings) if s.name == EMULATOR]
    began = time.monotonic()
    supervisor.down(settings, services=emulator)
    stopped = time.monotonic()
    supervisor.up(settings, services=emulator)
    started = time.monotonic()
    state = SavedState.of(save_files(Layout.of(settings)).folder)
    return {
        "stop_s": round(stopped - began, 2),
        "start_s": round(started - stopped, 2),
        "total_s": round(started - began, 2),
        "state_mb": round(state.bytes / MB, 1),
    }


def ticket_seconds(clients: Clients, outputs: StackOutputs, number: int) -> float:
    """Put one ticket and follow it to its end: seconds from the put to its final status."""
    [ticket] = generator.tickets(1, seed=number, first_number=number)
    tracker = Tracker(
        clients("dynamodb"), clients("stepfunctions"), outputs.table_name, outputs.state_machine_arn
    )
    began = time.monotonic()
    producer.submit(clients("kinesis"), outputs.stream_name, [ticket])
    tracker.wait_for([ticket.ticket_id], timeout=300)
    return round(time.monotonic() - began, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    settings = Settings.load()
    target = stack_target(settings)
    if not target.controls_processes:
        sys.exit(f"TICKETFLOW_STACK={target.name}: only the embedded target restarts its emulator to save")
    running = target.up()
    current = running.settings
    outputs = StackOutputs.from_file(outputs_file(current), current.stack_name)
    if outputs is None:
        sys.exit("no stack deployed: run `make demo` (or `ticketflow deploy`) first")
    clients = Clients(current)
    results = []
    for round_number in range(1, rounds + 1):
        timing = restart(current)
        number = 900_000_000 + int(time.time()) % 10_000_000 * 10
        timing["first_ticket_cold_s"] = ticket_seconds(clients, outputs, number)
        timing["next_ticket_warm_s"] = ticket_seconds(clients, outputs, number + 1)
        results.append(timing)
        print(f"round {round_number}: {json.dumps(timing)}", flush=True)
    report: dict[str, Any] = {"rounds": results}
    path = current.reports_dir / "durable_deploy.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"report: {path}")


if __name__ == "__main__":
    main()

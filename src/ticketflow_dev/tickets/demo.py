"""The demo run: generated tickets through Kinesis, followed to their final state, summarised."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ticketflow_dev.core.aws import Clients
from ticketflow_dev.core.polling import WaitTimeoutError, wait_until
from ticketflow_dev.core.stats import latency_summary
from ticketflow_dev.generation import generator
from ticketflow_dev.tickets import producer
from ticketflow_dev.tickets.notifications import TopicListener
from ticketflow_dev.tickets.put_journal import PutJournal
from ticketflow_dev.tickets.tracking import TicketState, Tracker, Waiting
from ticketflow_infra.outputs import StackOutputs


@dataclass(frozen=True)
class DemoReport:
    submitted: int
    processed: int
    failed: int
    rejected: int
    lost: int
    by_priority: dict[str, int]
    by_sentiment: dict[str, int]
    notifications: int
    notifications_expected: int
    latency_ms: dict[str, float]
    failures: dict[str, str]
    # The lost tickets by where they were when the wait gave up (item status, or not recorded yet).
    lost_where: dict[str, int] = field(default_factory=dict)
    # The first responded ticket as stored: what the customer wrote and what the pipeline answered.
    sample: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


def run_demo(
    clients: Clients,
    outputs: StackOutputs,
    *,
    count: int,
    seed: int,
    timeout: float,
    mix: str | None = None,
    on_progress: Callable[[str], None] = lambda _: None,
    journal: PutJournal | None = None,
) -> DemoReport:
    # A fresh number block per run, so a second demo is not taken for re-delivered tickets.
    first_number = 100_000 + secrets.randbelow(800_000)
    tickets = list(generator.tickets(count, seed=seed, first_number=first_number, mix=mix))
    tracker = Tracker(
        clients("dynamodb"), clients("stepfunctions"), outputs.table_name, outputs.state_machine_arn
    )
    with TopicListener(clients("sns"), clients("sqs"), outputs.topic_arn, "ticketflow-demo") as listener:
        on_progress(f"submitting {count} tickets to {outputs.stream_name}")
        submitted = producer.submit(clients("kinesis"), outputs.stream_name, tickets, journal=journal)
        ids = [s.ticket_id for s in submitted]
        lost_where: dict[str, int] = {}
        try:
            states = tracker.wait_for(
                ids,
                timeout=timeout,
                on_progress=lambda waiting: on_progress(f"tickets: {waiting}"),
            )
        except WaitTimeoutError as error:
            states = tracker.states(ids)  # the report counts the rest as lost
            lost_where = error.last_state.where if isinstance(error.last_state, Waiting) else {}
        expected = {
            t
            for t, s in states.items()
            if s.status == "RESPONDED" and s.item["priority"] in ("HIGH", "CRITICAL")
        }
        on_progress(f"waiting for {len(expected)} HIGH/CRITICAL notifications")
        wait_until(lambda: expected <= set(listener.drain()), timeout=30, interval=0.3,
                   description=f"{len(expected)} notifications")  # fmt: skip
        notifications = sum(listener.drain()[t] for t in states)
    return replace(summarise(submitted, states, notifications, len(expected)), lost_where=lost_where)


def summarise(
    submitted: list[producer.Submitted], states: dict[str, TicketState], notifications: int, expected: int
) -> DemoReport:
    statuses = Counter(s.status for s in states.values())
    responded = [
        states[s.ticket_id] for s in submitted if states.get(s.ticket_id, _UNSEEN).status == "RESPONDED"
    ]
    put_at = {s.ticket_id: s.put_at for s in submitted}
    latencies = [
        (s.processed_at - put_at[s.ticket_id]) * 1000 for s in responded if s.processed_at is not None
    ]
    return DemoReport(
        submitted=len(submitted),
        processed=statuses["RESPONDED"],
        failed=statuses["FAILED"],
        rejected=statuses["REJECTED"],
        lost=len(submitted) - len(states),
        by_priority=dict(Counter(s.item["priority"] for s in responded)),
        by_sentiment=dict(Counter(s.item["sentiment"] for s in responded)),
        notifications=notifications,
        notifications_expected=expected,
        latency_ms=latency_summary(latencies),
        failures={s.ticket_id: s.reason or "" for s in states.values() if s.status == "FAILED"},
        sample=_sample(responded[0]) if responded else {},
    )


_UNSEEN = TicketState("", "UNSEEN", {})
_SAMPLE_FIELDS = ("subject", "description", "sentiment", "priority", "response_text")


def _sample(state: TicketState) -> dict[str, str]:
    return {"ticket_id": state.ticket_id, **{name: str(state.item.get(name, "")) for name in _SAMPLE_FIELDS}}

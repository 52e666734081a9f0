"""Generated tickets: valid, deterministic for a seed, numbered as asked."""

from __future__ import annotations

from datetime import UTC, datetime

from ticketflow.model import TicketSubmitted
from ticketflow_dev.generator import SCENARIOS, tickets

NOW = datetime(2025, 1, 15, 9, 30, tzinfo=UTC)


def test_tickets_are_numbered_from_first_number_and_dated_now() -> None:
    # GIVEN / WHEN three tickets from number 7
    generated = list(tickets(3, seed=1, first_number=7, now=NOW))

    # THEN ids follow the model's pattern, in order, all submitted at `now`
    assert [t.ticket_id for t in generated] == ["TKT-20250115-0007", "TKT-20250115-0008", "TKT-20250115-0009"]
    assert {t.submitted_at for t in generated} == {NOW}


def test_same_seed_same_tickets_other_seed_other_tickets() -> None:
    # GIVEN / WHEN two runs with one seed and one with another
    first = list(tickets(20, seed=42, now=NOW))
    again = list(tickets(20, seed=42, now=NOW))
    other = list(tickets(20, seed=43, now=NOW))

    # THEN the same seed repeats ticket for ticket
    assert first == again
    assert [t.data for t in first] != [t.data for t in other]


def test_generated_tickets_survive_the_wire() -> None:
    # GIVEN many generated tickets
    generated = list(tickets(200, seed=3, first_number=100_000, now=NOW))

    # WHEN each goes through the wire shape and back
    parsed = [TicketSubmitted.model_validate(t.to_event()) for t in generated]

    # THEN nothing is lost, and products and issues come from the scenario space
    assert parsed == generated
    assert {
        (t.data.product_issue_information.product, t.data.product_issue_information.issue_type)
        for t in parsed
    } <= set(SCENARIOS)
    assert all(t.data.customer_contact_information.full_name.count(" ") == 1 for t in parsed)


def test_zero_tickets() -> None:
    # GIVEN / WHEN / THEN
    assert list(tickets(0, now=NOW)) == []

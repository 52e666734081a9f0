"""Generated tickets that look like real support traffic, deterministic for a seed.

Each ticket draws a tone from the mix (realistic shares by default), a product/issue scenario, a
customer and the specifics it names, and composes its description from the tone's parts
(`ticketflow_dev.generation`). The same seed gives the same tickets, so a demo or a benchmark can be
repeated ticket for ticket.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from ticketflow.model import ProductIssue, TicketData, TicketSubmitted
from ticketflow_dev.generation import details, people
from ticketflow_dev.generation.compose import compose
from ticketflow_dev.generation.mixes import parse_mix
from ticketflow_dev.generation.scenarios import SCENARIOS
from ticketflow_dev.generation.tones import TONES, Tone

_TONES = {tone.name: tone for tone in TONES}


@dataclass(frozen=True)
class Generated:
    """A ticket and the tone it was written in (what it should read as, and the priority the rules give)."""

    ticket: TicketSubmitted
    tone: Tone


def generate(
    count: int, *, seed: int = 0, first_number: int = 1, now: datetime | None = None, mix: str | None = None
) -> Iterator[Generated]:
    """`count` tickets numbered from `first_number`, submitted `now` (UTC), drawn from `mix` (see
    `generation.mixes`; raises MixError for a bad one before the first ticket)."""
    weights = parse_mix(mix)
    names, shares = list(weights), list(weights.values())
    rng = random.Random(seed)  # noqa: S311 (repeatable test data, not secrets)
    submitted_at = now or datetime.now(UTC)
    for number in range(first_number, first_number + count):
        tone = _TONES[rng.choices(names, shares)[0]]
        yield Generated(_ticket(rng, tone, number, submitted_at), tone)


def tickets(
    count: int, *, seed: int = 0, first_number: int = 1, now: datetime | None = None, mix: str | None = None
) -> Iterator[TicketSubmitted]:
    """The tickets of `generate`, without their tones."""
    for generated in generate(count, seed=seed, first_number=first_number, now=now, mix=mix):
        yield generated.ticket


def _ticket(rng: random.Random, tone: Tone, number: int, submitted_at: datetime) -> TicketSubmitted:
    scenario = rng.choice(SCENARIOS)
    contact = people.customer(rng)
    text = compose(rng, tone, scenario, details.slots(rng, scenario, submitted_at.date()))
    return TicketSubmitted(
        ticket_id=f"TKT-{submitted_at:%Y%m%d}-{number:04d}",
        submitted_at=submitted_at,
        data=TicketData(
            subject=text.subject,
            description=text.description,
            customer_contact_information=contact,
            product_issue_information=ProductIssue(product=scenario.product, issue_type=scenario.issue_type),
        ),
    )

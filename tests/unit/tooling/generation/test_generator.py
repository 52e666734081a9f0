"""Generated tickets: valid, deterministic for a seed, varied like real traffic, mixed as asked."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import UTC, datetime

import pytest

from ticketflow.model import Priority, Sentiment, TicketSubmitted
from ticketflow_dev.generation.compose import MEDIAN_WORDS
from ticketflow_dev.generation.generator import generate, tickets
from ticketflow_dev.generation.mixes import MixError, parse_mix
from ticketflow_dev.generation.scenarios import SCENARIOS
from ticketflow_dev.generation.tones import TONES

NOW = datetime(2025, 1, 15, 9, 30, tzinfo=UTC)


def test_tickets_are_numbered_from_first_number_and_dated_now() -> None:
    # GIVEN / WHEN three tickets from number 7
    generated = list(tickets(3, seed=1, first_number=7, now=NOW))

    # THEN ids follow the model's pattern, in order, all submitted at `now`
    assert [t.ticket_id for t in generated] == ["TKT-20250115-0007", "TKT-20250115-0008", "TKT-20250115-0009"]
    assert {t.submitted_at for t in generated} == {NOW}


def test_same_seed_same_tickets_other_seed_other_tickets() -> None:
    # GIVEN / WHEN two runs with one seed and one with another
    first = list(tickets(20, seed=42, now=NOW, mix="edge-cases"))
    again = list(tickets(20, seed=42, now=NOW, mix="edge-cases"))
    other = list(tickets(20, seed=43, now=NOW, mix="edge-cases"))

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
    pairs = {(s.product, s.issue_type) for s in SCENARIOS}
    assert {
        (t.data.product_issue_information.product, t.data.product_issue_information.issue_type)
        for t in parsed
    } <= pairs


def test_zero_tickets() -> None:
    # GIVEN / WHEN / THEN
    assert list(tickets(0, now=NOW)) == []


def test_a_thousand_tickets_never_repeat_a_description_and_span_the_scenario_space() -> None:
    # GIVEN / WHEN a thousand tickets in the default mix
    generated = list(tickets(1000, seed=11, now=NOW))
    descriptions = [t.data.description for t in generated]

    # THEN no two share a description, and they cover more than the 57 products and 81 pairs of real tickets
    assert len(set(descriptions)) == len(descriptions)
    assert len({t.data.product_issue_information.product for t in generated}) > 57
    assert len({(t.data.product_issue_information.product, t.data.subject) for t in generated}) > 81


def test_the_default_mix_covers_all_four_sentiments_in_realistic_proportions() -> None:
    # GIVEN / WHEN two thousand tickets in the default mix
    tones = Counter(g.tone.sentiment for g in generate(2000, seed=5, now=NOW))

    # THEN each sentiment has about its share of real traffic (40/19-24/22-32/14 %)
    shares = {sentiment: tones[sentiment] / 2000 for sentiment in Sentiment}
    assert 0.33 <= shares[Sentiment.NEGATIVE] <= 0.47
    assert 0.14 <= shares[Sentiment.NEUTRAL] <= 0.28
    assert 0.18 <= shares[Sentiment.MIXED] <= 0.34
    assert 0.10 <= shares[Sentiment.POSITIVE] <= 0.18


def test_description_lengths_spread_like_real_ones_with_several_paragraphs() -> None:
    # GIVEN / WHEN a thousand tickets
    descriptions = [t.data.description for t in tickets(1000, seed=2, now=NOW)]
    words = [len(d.split()) for d in descriptions]
    q1, median, q3 = statistics.quantiles(words, n=4)

    # THEN the median is near the real median, the quartiles are apart, and some tickets have paragraphs,
    # technical detail blocks and quoted error text
    assert abs(median - MEDIAN_WORDS) / MEDIAN_WORDS < 0.15
    assert q3 - q1 >= 15
    paragraphs = Counter(min(d.count("\n\n") + 1, 3) for d in descriptions)
    assert paragraphs[1] > 200
    assert paragraphs[3] > 200
    assert sum("Technical details:\n- " in d for d in descriptions) > 100
    assert sum("'" in d for d in descriptions) > 300


def test_customers_vary_like_real_people() -> None:
    # GIVEN / WHEN five hundred customers
    contacts = [t.data.customer_contact_information for t in tickets(500, seed=9, now=NOW)]

    # THEN names, companies and address shapes vary, accented and multi-word names included, and every
    # address is plain ASCII
    assert len({c.full_name for c in contacts}) > 300
    assert len({c.company for c in contacts}) > 25
    assert any(not c.full_name.isascii() for c in contacts)
    assert any(c.last_name.count(" ") for c in contacts)
    assert all(c.email.isascii() and c.full_name == f"{c.first_name} {c.last_name}" for c in contacts)
    assert len({c.email.split("@")[1] for c in contacts}) > 40
    assert any("+" in c.email for c in contacts)


@pytest.mark.parametrize(
    ("mix", "check"),
    [
        ("all-high", lambda tone: tone.priority is Priority.HIGH),
        ("all-mixed", lambda tone: tone.sentiment is Sentiment.MIXED),
        ("POSITIVE=1", lambda tone: tone.sentiment is Sentiment.POSITIVE),
        ("outage=1,how_to=1", lambda tone: tone.name in ("outage", "how_to")),
        ("CRITICAL", lambda tone: tone.name == "security"),
    ],
)
def test_a_mix_asks_for_a_distribution(mix: str, check: object) -> None:
    # GIVEN / WHEN tickets in the mix
    tones = [g.tone for g in generate(100, seed=4, now=NOW, mix=mix)]

    # THEN every ticket is in a tone the mix names
    assert callable(check)
    assert all(check(tone) for tone in tones)


def test_the_edge_cases_mix_has_every_edge_tone_and_ordinary_traffic() -> None:
    # GIVEN / WHEN the edge-cases mix
    generated = list(generate(300, seed=8, now=NOW, mix="edge-cases"))
    names = Counter(g.tone.name for g in generated)
    lengths = [len(g.ticket.data.description.split()) for g in generated]

    # THEN each edge tone appears next to realistic tickets, from one-liners to rambling ones, and the
    # injection asks for CRITICAL in the ticket text
    assert {"security", "injection", "how_to", "terse", "rambling", "report"} <= set(names)
    assert min(lengths) <= 12
    assert max(lengths) >= 200
    injected = [g.ticket.data.description for g in generated if g.tone.name == "injection"]
    assert all("priority" in text.lower() for text in injected)


def test_mix_weights_spread_over_tones_and_bad_mixes_are_refused() -> None:
    # GIVEN / WHEN a sentiment weight and a preset
    negative = parse_mix("NEGATIVE=1")
    realistic = parse_mix(None)

    # THEN the weight spreads over NEGATIVE tones by their shares; the default is the realistic shares
    assert set(negative) == {t.name for t in TONES if t.sentiment is Sentiment.NEGATIVE and t.share}
    assert sum(negative.values()) == pytest.approx(1.0)
    assert realistic == {t.name: t.share for t in TONES if t.share}
    for bad in ("sarcastic=1", "HIGH=x", "HIGH=-1", "HIGH=0"):
        with pytest.raises(MixError):
            parse_mix(bad)

"""The Comprehend stand-in: shape of its answer, lexicon behaviour, and agreement with real labels."""

from __future__ import annotations

import json
import time

import pytest

from fake_bedrock.stand_ins.lexicon import extract, tokenize
from fake_bedrock.stand_ins.sentiment import LABELS, analyse
from ticketflow_infra.paths import REPO_ROOT

DEV_SET = REPO_ROOT.parent / "shared" / "data" / "labelled_tickets_dev.jsonl"

ANGRY = (
    "This is completely unacceptable! Our production database has been down for three hours and we have "
    "lost revenue. Fix this immediately or we will switch to a competitor."
)
DELIGHTED = (
    "We are absolutely thrilled with the new dashboards. Everything works perfectly and the team loves it. "
    "Thank you for an excellent service!"
)
HEDGED = (
    "We're generally pleased with the queue service and it has been reliable. However, we've noticed a minor "
    "issue where a few messages seem to arrive late at times. Any guidance would be greatly appreciated."
)
PLAIN_REPORT = (
    "Our nightly export job is reporting increased latency since the last configuration change.\n\n"
    "Technical details:\n- Job Name: export-nightly-01\n- Region: eu-west-1\n- Average duration: 40 min\n"
    "- Last normal run: June 3, 02:00 UTC\n\nPlease advise on troubleshooting steps."
)
BLOCKED = (
    "We are experiencing issues with our cache cluster. We are unable to connect to the primary endpoint "
    "and every request fails with a connection refused error."
)


@pytest.mark.parametrize("text", [ANGRY, DELIGHTED, HEDGED, PLAIN_REPORT, BLOCKED, "", "ok"])
def test_scores_are_a_distribution_and_the_label_is_the_argmax(text: str) -> None:
    # GIVEN any text, including empty
    # WHEN it is analysed
    label, scores = analyse(text)
    # THEN the scores use Comprehend's casing, lie in [0, 1], sum to 1, and the label is the top score
    assert set(scores) == set(LABELS)
    assert all(0.0 <= value <= 1.0 for value in scores.values())
    assert sum(scores.values()) == pytest.approx(1.0)
    assert label == max(scores, key=lambda name: scores[name]).upper()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ANGRY, "NEGATIVE"),
        (DELIGHTED, "POSITIVE"),
        (HEDGED, "MIXED"),
        (PLAIN_REPORT, "NEUTRAL"),
        (BLOCKED, "NEGATIVE"),
    ],
)
def test_each_register_of_support_ticket_gets_comprehends_label(text: str, expected: str) -> None:
    # GIVEN a ticket written in one of the registers Comprehend treats distinctly
    # WHEN it is analysed
    label, _ = analyse(text)
    # THEN the label is the one Comprehend gives that register
    assert label == expected


def test_the_same_text_always_gets_the_same_answer() -> None:
    # GIVEN a text analysed twice
    # WHEN both answers are compared
    first, second = analyse(HEDGED), analyse(HEDGED)
    # THEN they are identical
    assert first == second


def test_negation_turns_praise_into_trouble_and_removes_absent_trouble() -> None:
    # GIVEN praise under negation and trouble under negation
    not_working = extract("The rule is not working as expected.")
    no_downtime = extract("We had no downtime at all.")
    # WHEN THEN "not working as expected" counts as trouble, "no downtime" counts as no trouble
    assert not_working.neg_mild > 0
    assert no_downtime.neg_strong == 0
    assert no_downtime.neg_mild == 0


def test_inability_is_a_blockage_but_cannot_identify_is_puzzlement() -> None:
    # GIVEN one blocked customer and one puzzled customer
    blocked = extract("We are unable to connect to the cluster.")
    puzzled = extract("We can't identify what might be wrong.")
    # WHEN THEN only the first counts as blocked
    assert blocked.blocked > 0
    assert puzzled.blocked == 0
    assert puzzled.neg_mild > 0


def test_tokenize_joins_phrases_and_splits_contractions() -> None:
    # GIVEN text with a multi-word expression and contractions
    # WHEN it is tokenised
    words = tokenize("It isn't working as expected, and we can't deploy. Thank you!")
    # THEN the phrase is one token and the contractions carry a negator
    assert "as_expected" in words
    assert words[words.index("is") + 1] == "not"
    assert "cannot" in words
    assert "thank_you" in words
    assert "!" in words


def test_a_call_takes_well_under_five_milliseconds() -> None:
    # GIVEN a long ticket
    text = (ANGRY + " " + HEDGED + " " + PLAIN_REPORT) * 3
    # WHEN it is analysed many times
    start = time.perf_counter()
    for _ in range(50):
        analyse(text)
    per_call = (time.perf_counter() - start) / 50
    # THEN each call is fast
    assert per_call < 0.005


@pytest.mark.skipif(not DEV_SET.is_file(), reason="the shared dev set (../shared/data) is absent")
def test_agrees_with_comprehend_on_the_dev_set() -> None:
    # GIVEN real tickets labelled by Amazon Comprehend
    rows = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    # WHEN each description is analysed
    hits = sum(analyse(row["description"])[0] == row["sentiment"] for row in rows)
    # THEN it agrees on at least 80% (cross-validated: 0.86, see tools/calibrate_sentiment.py)
    assert hits / len(rows) >= 0.8

"""Evaluation metrics and the archive-row conversion, as pure functions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ticketflow.enrichment import InvalidModelOutputError
from ticketflow.model import SentimentResult, TicketSubmitted, Triage
from ticketflow_dev.quality.evaluation import (
    FAILED,
    PLACEHOLDER_COMPANY,
    EvaluationReport,
    accuracy,
    check_reply,
    confusion_matrix,
    evaluate,
    labelled_from_row,
    load_labelled,
    macro_f1,
    per_label_f1,
    ticket_from_archive_row,
)

ROW: dict[str, Any] = {
    "ticket_id": "TKT-20250808-1046",
    "submitted_at": "2025-08-08 20:54:18.524355",
    "customer_first_name": "Grace",
    "customer_last_name": "Hopper",
    "customer_full_name": "Grace Hopper",
    "customer_email": "grace@example.com",
    "product": "AWS CodeBuild",
    "issue_type": "Build Environment",
    "subject": "Builds are slow",
    "description": "Our builds take twice as long since Monday.",
    "response_text": "Hello Grace, ... Ticket TKT-20250808-1046",
    "sentiment": "MIXED",
    "sentiment_score_positive": 0.04,
    "sentiment_score_negative": 0.04,
    "sentiment_score_neutral": 0.11,
    "sentiment_score_mixed": 0.81,
    "priority": "MEDIUM",
    "priority_reasoning": "Degraded, with a workaround.",
    "processed_at": "2025-08-08 20:54:23.452367",
}


def test_accuracy_is_the_share_of_matches() -> None:
    # GIVEN four labels and predictions with three matches
    # WHEN THEN accuracy is 3/4, and an empty set scores 0
    assert accuracy(["A", "B", "B", "C"], ["A", "B", "C", "C"]) == pytest.approx(0.75)
    assert accuracy([], []) == 0.0


def test_mismatched_lengths_are_rejected() -> None:
    # GIVEN more labels than predictions
    # WHEN THEN every metric refuses them
    with pytest.raises(ValueError, match="2 labels but 1 predictions"):
        accuracy(["A", "B"], ["A"])


def test_confusion_matrix_counts_label_by_prediction_and_keeps_declared_labels() -> None:
    # GIVEN labels, predictions and a declared label that never occurs
    expected = ["NEGATIVE", "NEGATIVE", "MIXED", "NEUTRAL"]
    predicted = ["NEGATIVE", "MIXED", "MIXED", "NEGATIVE"]
    # WHEN the matrix is built
    matrix = confusion_matrix(expected, predicted, ["POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED"])
    # THEN rows are labels, columns predictions, and the unseen label has an all-zero row and column
    assert matrix["NEGATIVE"] == {"POSITIVE": 0, "NEGATIVE": 1, "NEUTRAL": 0, "MIXED": 1}
    assert matrix["NEUTRAL"]["NEGATIVE"] == 1
    assert matrix["POSITIVE"] == dict.fromkeys(["POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED"], 0)
    assert sum(sum(row.values()) for row in matrix.values()) == len(expected)


def test_macro_f1_matches_a_hand_computation() -> None:
    # GIVEN A: tp=2 fp=1 fn=0 -> F1 0.8; B: tp=1 fp=0 fn=1 -> F1 2/3; C: only predicted, wrongly -> 0
    expected = ["A", "A", "B", "B", "A"]
    predicted = ["A", "A", "B", "A", "C"]
    # WHEN per-label and macro F1 are computed
    scores = per_label_f1(expected, predicted)
    # THEN they match the hand computation (A: tp=2, fp=1, fn=1 -> 4/6)
    assert scores == pytest.approx({"A": 4 / 6, "B": 2 / 3, "C": 0.0})
    assert macro_f1(expected, predicted) == pytest.approx((4 / 6 + 2 / 3 + 0.0) / 3)
    assert macro_f1(["A", "B"], ["A", "B"]) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("reply", "quotes", "names"),
    [
        ("Hello, about CodeBuild. Ticket TKT-20250808-1046", True, True),
        ("Hello, about AWS CodeBuild. Ticket TKT-20250808-10460", False, True),
        ("Hello, about your builds. Ticket TKT-23456", False, False),
    ],
)
def test_check_reply_needs_the_exact_id_and_the_product(reply: str, quotes: bool, names: bool) -> None:
    # GIVEN a reply
    # WHEN it is checked against the ticket
    check = check_reply(reply, "TKT-20250808-1046", "AWS CodeBuild")
    # THEN the id must appear on its own and the product by full or short name
    assert check.quotes_ticket_id is quotes
    assert check.names_product is names
    assert check.within_word_limit


def test_check_reply_enforces_the_word_limit() -> None:
    # GIVEN a reply one word over the limit
    reply = " ".join(["word"] * 150) + " TKT-20250808-1046 CodeBuild"
    # WHEN it is checked with a limit of 151
    check = check_reply(reply, "TKT-20250808-1046", "AWS CodeBuild", max_words=151)
    # THEN it fails only on length
    assert check.words == 152
    assert not check.within_word_limit
    assert not check.passed


def test_an_archive_row_becomes_the_event_the_producer_sent() -> None:
    # GIVEN a flat archive row without a company
    # WHEN it is converted
    ticket = ticket_from_archive_row(ROW)
    # THEN the event carries the same facts, a placeholder company, and a UTC timestamp
    contact = ticket.data.customer_contact_information
    assert ticket.ticket_id == ROW["ticket_id"]
    assert contact.full_name == "Grace Hopper"
    assert contact.company == PLACEHOLDER_COMPANY
    assert ticket.data.product_issue_information.issue_type == "Build Environment"
    assert ticket.submitted_at.tzinfo is not None
    assert labelled_from_row(ROW).priority == "MEDIUM"


def test_load_labelled_names_the_bad_line(tmp_path: Path) -> None:
    # GIVEN a file whose second line lacks a field
    path = tmp_path / "labelled.jsonl"
    broken = {k: v for k, v in ROW.items() if k != "priority"}
    path.write_text(json.dumps(ROW) + "\n" + json.dumps(broken) + "\n", encoding="utf-8")
    # WHEN it is loaded
    # THEN the error names the file and line
    with pytest.raises(ValueError, match=r"labelled.jsonl:2"):
        load_labelled(path)


class ScriptedDetector:
    def __init__(self, label: str) -> None:
        self.label = label
        self.texts: list[str] = []

    def detect(self, text: str) -> SentimentResult:
        self.texts.append(text)
        return SentimentResult.model_validate(
            {
                "sentiment": self.label,
                "scores": {"positive": 0.1, "negative": 0.1, "neutral": 0.1, "mixed": 0.7},
            }
        )


class ScriptedTriager:
    def __init__(self, priority: str, *, fail: bool = False) -> None:
        self.priority = priority
        self.fail = fail
        self.sentiments: list[str] = []

    def triage(self, ticket: TicketSubmitted, sentiment: SentimentResult) -> Triage:
        self.sentiments.append(sentiment.sentiment.value)
        if self.fail:
            raise InvalidModelOutputError("the model did not call the triage tool")
        reply = f"Hello, about {ticket.data.product_issue_information.product}. Ticket {ticket.ticket_id}"
        return Triage(customer_response=reply, priority=self.priority, priority_reasoning="because")


def test_evaluate_runs_the_adapters_and_reports_every_metric() -> None:
    # GIVEN two labelled tickets and adapters that answer MIXED / HIGH
    second = {**ROW, "ticket_id": "TKT-20250808-2000", "sentiment": "NEGATIVE", "priority": "HIGH"}
    items = [labelled_from_row(ROW), labelled_from_row(second)]
    detector, triager = ScriptedDetector("MIXED"), ScriptedTriager("HIGH")
    # WHEN the pipeline code is evaluated
    report = evaluate(items, detector, triager).to_dict()
    # THEN sentiment was detected on the description and handed to triage; metrics and reply rates reported
    assert detector.texts == [ROW["description"], ROW["description"]]
    assert triager.sentiments == ["MIXED", "MIXED"]
    assert report["n"] == 2
    assert report["sentiment"]["accuracy"] == pytest.approx(0.5)
    assert report["priority"]["accuracy"] == pytest.approx(0.5)
    assert report["priority"]["confusion"]["MEDIUM"]["HIGH"] == 1
    assert report["reply"]["ticket_id_rate"] == pytest.approx(1.0)
    assert report["reply"]["product_rate"] == pytest.approx(1.0)
    assert [d["ticket_id"] for d in report["disagreements"]] == ["TKT-20250808-1046", "TKT-20250808-2000"]


def test_a_triage_the_pipeline_would_reject_counts_as_a_failure() -> None:
    # GIVEN a model that never calls the tool
    # WHEN a ticket is evaluated
    report = evaluate([labelled_from_row(ROW)], ScriptedDetector("MIXED"), ScriptedTriager("HIGH", fail=True))
    # THEN the priority is recorded as a failure, and the reply checks fail
    summary = report.to_dict()
    assert report.outcomes[0].predicted_priority == FAILED
    assert summary["errors"] == 1
    assert summary["priority"]["accuracy"] == 0.0
    assert summary["reply"]["ticket_id_rate"] == 0.0


def test_an_empty_report_is_all_zeros() -> None:
    # GIVEN no tickets
    # WHEN THEN every figure is zero rather than an error
    summary = EvaluationReport().to_dict()
    assert summary["n"] == 0
    assert summary["sentiment"]["accuracy"] == 0.0
    assert summary["reply"]["ticket_id_rate"] == 0.0

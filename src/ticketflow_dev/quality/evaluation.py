"""How well the pipeline's sentiment and triage agree with labelled tickets: metrics as pure functions.

The labelled file is the flat archive shape (`ProcessedTicket` fields, one JSON object a line). Each row
becomes the `TicketSubmitted` the producer would have sent; the pipeline's own adapters (any
`SentimentDetector` and `TicketTriager`) process it; the answers are compared with the row's labels.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ticketflow.enrichment import InvalidModelOutputError, SentimentDetector, TicketTriager
from ticketflow.model import Priority, Sentiment, TicketSubmitted, validation_problems
from ticketflow.prompts import MAX_REPLY_WORDS

# The archive has no company; the prompt needs one. A placeholder that reads as what it is.
PLACEHOLDER_COMPANY = "Unknown company"
FAILED = "ERROR"  # the prediction recorded when the pipeline could not produce an answer


def accuracy(expected: Sequence[str], predicted: Sequence[str]) -> float:
    """The share of positions where the prediction equals the label (0.0 for no items)."""
    _check_lengths(expected, predicted)
    if not expected:
        return 0.0
    return sum(e == p for e, p in zip(expected, predicted, strict=True)) / len(expected)


def confusion_matrix(
    expected: Sequence[str], predicted: Sequence[str], labels: Sequence[str] | None = None
) -> dict[str, dict[str, int]]:
    """`matrix[label][prediction]` counts; rows and columns cover `labels` plus any label seen."""
    _check_lengths(expected, predicted)
    names = _label_set(expected, predicted, labels)
    matrix = {row: dict.fromkeys(names, 0) for row in names}
    for e, p in zip(expected, predicted, strict=True):
        matrix[e][p] += 1
    return matrix


def per_label_f1(expected: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    """F1 of each label present in the labels or the predictions (0.0 where it has no true positive)."""
    _check_lengths(expected, predicted)
    scores: dict[str, float] = {}
    for label in _label_set(expected, predicted, None):
        tp = sum(e == label and p == label for e, p in zip(expected, predicted, strict=True))
        fp = sum(e != label and p == label for e, p in zip(expected, predicted, strict=True))
        fn = sum(e == label and p != label for e, p in zip(expected, predicted, strict=True))
        scores[label] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return scores


def macro_f1(expected: Sequence[str], predicted: Sequence[str]) -> float:
    """The unweighted mean of per-label F1 over labels present in either sequence (as scikit-learn does)."""
    scores = per_label_f1(expected, predicted)
    return sum(scores.values()) / len(scores) if scores else 0.0


def _check_lengths(expected: Sequence[str], predicted: Sequence[str]) -> None:
    if len(expected) != len(predicted):
        raise ValueError(f"{len(expected)} labels but {len(predicted)} predictions")


def _label_set(expected: Sequence[str], predicted: Sequence[str], labels: Sequence[str] | None) -> list[str]:
    names = list(labels or [])
    for label in [*expected, *predicted]:
        if label not in names:
            names.append(label)
    return names


@dataclass(frozen=True)
class ReplyCheck:
    quotes_ticket_id: bool
    names_product: bool
    within_word_limit: bool
    words: int

    @property
    def passed(self) -> bool:
        return self.quotes_ticket_id and self.names_product and self.within_word_limit


def check_reply(reply: str, ticket_id: str, product: str, max_words: int = MAX_REPLY_WORDS) -> ReplyCheck:
    """Does the reply quote the exact ticket id, name the product, and keep within the word limit?

    The id must stand alone (not as part of a longer id); the product counts as named by its full name
    or by its name without the "Amazon"/"AWS" prefix, case-insensitively.
    """
    words = len(reply.split())
    quotes = re.search(rf"(?<![\w-]){re.escape(ticket_id)}(?![\w-])", reply) is not None
    short = re.sub(r"^(?:amazon|aws)\s+", "", product.strip(), flags=re.IGNORECASE)
    names = any(name and name.lower() in reply.lower() for name in (product.strip(), short))
    return ReplyCheck(quotes, names, words <= max_words, words)


@dataclass(frozen=True)
class LabelledTicket:
    ticket: TicketSubmitted
    sentiment: str
    priority: str


def ticket_from_archive_row(row: Mapping[str, Any], company: str = PLACEHOLDER_COMPANY) -> TicketSubmitted:
    """The event the producer would have written for an archived ticket (validated by the model)."""
    return TicketSubmitted.model_validate(
        {
            "ticketId": row["ticket_id"],
            "submittedAt": row["submitted_at"],
            "data": {
                "subject": row["subject"],
                "description": row["description"],
                "customer_contact_information": {
                    "first_name": row["customer_first_name"],
                    "last_name": row["customer_last_name"],
                    "full_name": row["customer_full_name"],
                    "email": row["customer_email"],
                    "company": row.get("customer_company") or company,
                },
                "product_issue_information": {"product": row["product"], "issue_type": row["issue_type"]},
            },
        }
    )


def labelled_from_row(row: Mapping[str, Any]) -> LabelledTicket:
    return LabelledTicket(
        ticket=ticket_from_archive_row(row),
        sentiment=Sentiment(row["sentiment"]).value,
        priority=Priority(row["priority"]).value,
    )


def load_labelled(path: Path) -> list[LabelledTicket]:
    """Read a JSON-lines file of archive rows; raises ValueError naming the line of a bad row."""
    tickets: list[LabelledTicket] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            tickets.append(labelled_from_row(json.loads(line)))
        except ValidationError as error:  # its text quotes the row's values: customers' words
            raise ValueError(
                f"{path}:{number}: not a labelled archive row: {validation_problems(error, 'row')}"
            ) from error
        except (ValueError, KeyError) as error:
            raise ValueError(f"{path}:{number}: not a labelled archive row: {error}") from error
    return tickets


@dataclass(frozen=True)
class ClassificationReport:
    labels: list[str]
    expected: list[str]
    predicted: list[str]

    @property
    def accuracy(self) -> float:
        return accuracy(self.expected, self.predicted)

    @property
    def macro_f1(self) -> float:
        return macro_f1(self.expected, self.predicted)

    @property
    def confusion(self) -> dict[str, dict[str, int]]:
        return confusion_matrix(self.expected, self.predicted, self.labels)

    def to_dict(self) -> dict[str, Any]:
        return {
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "per_label_f1": {k: round(v, 4) for k, v in per_label_f1(self.expected, self.predicted).items()},
            "confusion": self.confusion,
        }


@dataclass(frozen=True)
class TicketOutcome:
    ticket_id: str
    sentiment: str
    predicted_sentiment: str
    priority: str
    predicted_priority: str
    reply: ReplyCheck | None
    error: str | None = None


@dataclass(frozen=True)
class EvaluationReport:
    outcomes: list[TicketOutcome] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.outcomes)

    @property
    def sentiment(self) -> ClassificationReport:
        return ClassificationReport(
            [s.value for s in Sentiment],
            [o.sentiment for o in self.outcomes],
            [o.predicted_sentiment for o in self.outcomes],
        )

    @property
    def priority(self) -> ClassificationReport:
        return ClassificationReport(
            [p.value for p in Priority],
            [o.priority for o in self.outcomes],
            [o.predicted_priority for o in self.outcomes],
        )

    def reply_rates(self) -> dict[str, float]:
        checks = [o.reply for o in self.outcomes if o.reply is not None]

        def rate(values: Iterable[bool]) -> float:
            return round(sum(values) / self.n, 4) if self.n else 0.0

        return {
            "ticket_id_rate": rate(c.quotes_ticket_id for c in checks),
            "product_rate": rate(c.names_product for c in checks),
            "within_limit_rate": rate(c.within_word_limit for c in checks),
            "all_checks_rate": rate(c.passed for c in checks),
            "max_words": max((c.words for c in checks), default=0),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "errors": sum(o.error is not None for o in self.outcomes),
            "sentiment": self.sentiment.to_dict(),
            "priority": self.priority.to_dict(),
            "reply": self.reply_rates(),
            "disagreements": [
                {
                    "ticket_id": o.ticket_id,
                    "sentiment": [o.sentiment, o.predicted_sentiment],
                    "priority": [o.priority, o.predicted_priority],
                    **({"error": o.error} if o.error else {}),
                }
                for o in self.outcomes
                if o.sentiment != o.predicted_sentiment or o.priority != o.predicted_priority or o.error
            ],
        }


def evaluate_one(item: LabelledTicket, detector: SentimentDetector, triager: TicketTriager) -> TicketOutcome:
    """Run the pipeline's sentiment then triage on one ticket, as the state machine does."""
    ticket = item.ticket
    issue = ticket.data.product_issue_information
    sentiment = detector.detect(ticket.data.description)
    try:
        triage = triager.triage(ticket, sentiment)
    except InvalidModelOutputError as error:
        return TicketOutcome(
            ticket.ticket_id,
            item.sentiment,
            sentiment.sentiment.value,
            item.priority,
            FAILED,
            None,
            str(error),
        )
    return TicketOutcome(
        ticket_id=ticket.ticket_id,
        sentiment=item.sentiment,
        predicted_sentiment=sentiment.sentiment.value,
        priority=item.priority,
        predicted_priority=triage.priority.value,
        reply=check_reply(triage.customer_response, ticket.ticket_id, issue.product),
    )


def evaluate(
    items: Iterable[LabelledTicket], detector: SentimentDetector, triager: TicketTriager
) -> EvaluationReport:
    return EvaluationReport([evaluate_one(item, detector, triager) for item in items])

"""The one ticket model: the Kinesis event, the AI results and the flat archive record.

The producer, the Lambdas and the ETL all validate through these classes, so a shape change is made once.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from ticketflow import limits
from ticketflow.text import clean_value

# ASCII digits only (`\d` admits every script's): the id names the execution, and a state machine that logs
# to CloudWatch takes only 0-9A-Za-z-_ in execution names.
TICKET_ID_PATTERN = r"^TKT-[0-9]{8}-[0-9]{4,}$"
EVENT_NAME: Final = "TicketSubmitted"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
TicketId = Annotated[str, StringConstraints(pattern=TICKET_ID_PATTERN), limits.TICKET_ID]


def _check_email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("not an email address")
    return value


Email = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_check_email)]


def validation_problems(error: ValidationError, whole: str) -> str:
    """What failed, field by field (`data.description: String should have at least 1 character`), never the
    values: they may be a customer's personal data, and this text is logged and stored."""
    return "; ".join(
        f"{'.'.join(str(part) for part in item['loc']) or whole}: {item['msg']}"
        for item in error.errors(include_url=False, include_input=False, include_context=False)
    )


def _aware(value: datetime) -> datetime:
    """Naive timestamps are taken as UTC, so every stored time is comparable."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


Timestamp = Annotated[datetime, AfterValidator(_aware)]


class Priority(StrEnum):
    CRITICAL = "CRITICAL"
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    NORMAL = "NORMAL"

    @property
    def notifies(self) -> bool:
        return self in (Priority.CRITICAL, Priority.HIGH)


class Sentiment(StrEnum):
    POSITIVE = "POSITIVE"
    NEGATIVE = "NEGATIVE"
    NEUTRAL = "NEUTRAL"
    MIXED = "MIXED"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    # Every text field, the model's replies too, loses its control characters before its own checks run,
    # so a field of nothing else is empty, and a NonEmpty one is refused (ticketflow.text).
    _clean_text = field_validator("*", mode="before")(clean_value)


class CustomerContact(_Strict):
    first_name: Annotated[NonEmpty, limits.NAME]
    last_name: Annotated[NonEmpty, limits.NAME]
    full_name: Annotated[NonEmpty, limits.FULL_NAME]
    email: Annotated[Email, limits.EMAIL]
    company: Annotated[NonEmpty, limits.NAME]


class ProductIssue(_Strict):
    product: Annotated[NonEmpty, limits.NAME]
    issue_type: Annotated[NonEmpty, limits.NAME]


class TicketData(_Strict):
    subject: Annotated[NonEmpty, limits.SUBJECT]
    description: NonEmpty  # bounded by the Kinesis record; a long one is carried (ticketflow.carriage)
    customer_contact_information: CustomerContact
    product_issue_information: ProductIssue


class TicketSubmitted(_Strict):
    """The event a producer writes to Kinesis (partition key: the ticket id)."""

    event_name: Literal["TicketSubmitted"] = Field(default=EVENT_NAME, alias="eventName")
    ticket_id: TicketId = Field(alias="ticketId")
    submitted_at: Timestamp = Field(alias="submittedAt")
    data: TicketData

    def to_event(self) -> dict[str, object]:
        """The JSON-ready wire shape, camelCase keys as on the stream."""
        return self.model_dump(mode="json", by_alias=True)


class SentimentScores(_Strict):
    positive: float = Field(ge=0, le=1)
    negative: float = Field(ge=0, le=1)
    neutral: float = Field(ge=0, le=1)
    mixed: float = Field(ge=0, le=1)


class SentimentResult(_Strict):
    sentiment: Sentiment
    scores: SentimentScores


class Triage(_Strict):
    """What the language model decides for a ticket; validated before anything is stored."""

    customer_response: Annotated[NonEmpty, limits.REPLY]
    priority: Priority
    priority_reasoning: Annotated[NonEmpty, limits.REASONING]


class ProcessedTicket(_Strict):
    """The flat archive record: one JSON object per ticket in S3, one row in the warehouse.

    Bounded as the event and the model's answer are, so that the ETL refuses a record (with a reason) that
    the warehouse's columns could not hold; the description alone is unbounded, and the ETL keeps its opening
    (ticketflow_etl.warehouse).
    """

    ticket_id: TicketId
    submitted_at: Timestamp
    customer_first_name: Annotated[NonEmpty, limits.NAME]
    customer_last_name: Annotated[NonEmpty, limits.NAME]
    customer_full_name: Annotated[NonEmpty, limits.FULL_NAME]
    customer_email: Annotated[NonEmpty, limits.EMAIL]
    customer_company: Annotated[str, limits.NAME] | None = None
    product: Annotated[NonEmpty, limits.NAME]
    issue_type: Annotated[NonEmpty, limits.NAME]
    subject: Annotated[NonEmpty, limits.SUBJECT]
    description: NonEmpty
    response_text: Annotated[NonEmpty, limits.REPLY]
    sentiment: Sentiment
    sentiment_score_positive: float = Field(ge=0, le=1)
    sentiment_score_negative: float = Field(ge=0, le=1)
    sentiment_score_neutral: float = Field(ge=0, le=1)
    sentiment_score_mixed: float = Field(ge=0, le=1)
    priority: Priority
    priority_reasoning: Annotated[NonEmpty, limits.REASONING]
    processed_at: Timestamp

    @classmethod
    def build(
        cls, ticket: TicketSubmitted, sentiment: SentimentResult, triage: Triage, processed_at: datetime
    ) -> ProcessedTicket:
        contact = ticket.data.customer_contact_information
        issue = ticket.data.product_issue_information
        scores = sentiment.scores
        return cls(
            ticket_id=ticket.ticket_id,
            submitted_at=ticket.submitted_at,
            customer_first_name=contact.first_name,
            customer_last_name=contact.last_name,
            customer_full_name=contact.full_name,
            customer_email=contact.email,
            customer_company=contact.company,
            product=issue.product,
            issue_type=issue.issue_type,
            subject=ticket.data.subject,
            description=ticket.data.description,
            response_text=triage.customer_response,
            sentiment=sentiment.sentiment,
            sentiment_score_positive=scores.positive,
            sentiment_score_negative=scores.negative,
            sentiment_score_neutral=scores.neutral,
            sentiment_score_mixed=scores.mixed,
            priority=triage.priority,
            priority_reasoning=triage.priority_reasoning,
            processed_at=processed_at,
        )

    def archive_key(self) -> str:
        return archive_key(self.ticket_id, self.submitted_at)


def archive_key(ticket_id: str, submitted_at: datetime) -> str:
    """`tickets/YYYY/MM/DD/<ticket_id>.json` by the UTC day of submission: a re-run lands on the same key,
    and one day's partition holds the same tickets whatever offset their producers wrote."""
    return f"tickets/{submitted_at.astimezone(UTC):%Y/%m/%d}/{ticket_id}.json"

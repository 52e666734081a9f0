"""The AI adapters: Comprehend sentiment and Bedrock Converse tool-use triage, and their validation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from botocore.stub import ANY, Stubber

from tests.event_files import STATE_AFTER_TRIAGE, TICKET_SUBMITTED, load_event
from ticketflow.enrichment import (
    COMPREHEND_MAX_BYTES,
    TRIAGE_MAX_TOKENS,
    BedrockTriage,
    ComprehendSentiment,
    InvalidModelOutputError,
    parse_triage,
    utf8_prefix,
)
from ticketflow.model import Priority, Sentiment, SentimentResult, TicketSubmitted
from ticketflow.prompts import SYSTEM_PROMPT, TRIAGE_TOOL_NAME

if TYPE_CHECKING:
    from mypy_boto3_bedrock_runtime import BedrockRuntimeClient
    from mypy_boto3_comprehend import ComprehendClient

pytestmark = pytest.mark.unit

TICKET_ID = "TKT-20250115-0042"
MODEL_ID = "us.amazon.nova-pro-v1:0"


def _triage_input(**overrides: Any) -> dict[str, Any]:
    triage: dict[str, Any] = load_event(STATE_AFTER_TRIAGE)["triage"]
    return triage | overrides


def _tool_use(tool_input: dict[str, Any]) -> dict[str, Any]:
    return {"toolUse": {"toolUseId": "tooluse_1", "name": TRIAGE_TOOL_NAME, "input": tool_input}}


@pytest.mark.parametrize(
    ("text", "max_bytes", "prefix"),
    [
        ("plain ascii", 5, "plain"),
        ("short", 100, "short"),
        ("café", 4, "caf"),  # é is two bytes: never half of it
        ("café", 5, "café"),
        ("€€", 4, "€"),  # € is three bytes
        ("🙂x", 3, ""),
        ("", 10, ""),
    ],
)
def test_utf8_prefix_never_splits_a_character(text: str, max_bytes: int, prefix: str) -> None:
    # GIVEN / WHEN the prefix
    result = utf8_prefix(text, max_bytes)

    # THEN it is the longest whole-character prefix within the limit
    assert result == prefix
    assert len(result.encode("utf-8")) <= max_bytes


def test_comprehend_sentiment_maps_the_response(comprehend_client: ComprehendClient) -> None:
    # GIVEN Comprehend answering NEGATIVE
    response = {
        "Sentiment": "NEGATIVE",
        "SentimentScore": {"Positive": 0.01, "Negative": 0.9, "Neutral": 0.08, "Mixed": 0.01},
    }
    with Stubber(comprehend_client) as stubber:
        stubber.add_response("detect_sentiment", response, {"Text": "It is broken.", "LanguageCode": "en"})

        # WHEN a text's sentiment is detected
        result = ComprehendSentiment(comprehend_client).detect("It is broken.")

    # THEN the model's shape, scores mapped by name
    assert result.sentiment is Sentiment.NEGATIVE
    assert (result.scores.positive, result.scores.negative, result.scores.neutral, result.scores.mixed) == (
        0.01,
        0.9,
        0.08,
        0.01,
    )


def test_comprehend_gets_at_most_its_byte_limit(comprehend_client: ComprehendClient) -> None:
    # GIVEN a description beyond Comprehend's 5,000-byte limit, in two-byte characters
    text = "é" * COMPREHEND_MAX_BYTES
    sent: list[str] = []

    def capture(params: dict[str, Any], **_: Any) -> None:
        sent.append(params["Text"])

    comprehend_client.meta.events.register("provide-client-params.comprehend.DetectSentiment", capture)
    response = {
        "Sentiment": "NEUTRAL",
        "SentimentScore": {"Positive": 0, "Negative": 0, "Neutral": 1, "Mixed": 0},
    }
    with Stubber(comprehend_client) as stubber:
        stubber.add_response("detect_sentiment", response, {"Text": ANY, "LanguageCode": "en"})

        # WHEN its sentiment is detected
        ComprehendSentiment(comprehend_client).detect(text)

    # THEN the opening within the limit was sent
    assert sent == ["é" * (COMPREHEND_MAX_BYTES // 2)]


def test_bedrock_triage_forces_the_tool_and_validates_the_answer(
    bedrock_client: BedrockRuntimeClient,
) -> None:
    # GIVEN the model answering through the triage tool
    ticket = TicketSubmitted.model_validate(load_event(TICKET_SUBMITTED))
    sentiment = SentimentResult.model_validate(load_event(STATE_AFTER_TRIAGE)["sentiment"])
    response = {
        "output": {"message": {"role": "assistant", "content": [_tool_use(_triage_input())]}},
        "stopReason": "tool_use",
        "usage": {"inputTokens": 500, "outputTokens": 120, "totalTokens": 620},
        "metrics": {"latencyMs": 900},
    }
    expected = {
        "modelId": MODEL_ID,
        "system": [{"text": SYSTEM_PROMPT}],
        "messages": [{"role": "user", "content": [{"text": ANY}]}],
        "inferenceConfig": {"maxTokens": TRIAGE_MAX_TOKENS, "temperature": 0.2},
        "toolConfig": {"tools": ANY, "toolChoice": {"tool": {"name": TRIAGE_TOOL_NAME}}},
    }
    with Stubber(bedrock_client) as stubber:
        stubber.add_response("converse", response, expected)

        # WHEN the ticket is triaged
        triage = BedrockTriage(bedrock_client, MODEL_ID).triage(ticket, sentiment)

    # THEN the validated triage
    assert triage.priority is Priority.CRITICAL
    assert TICKET_ID in triage.customer_response


def test_parse_triage_takes_the_first_tool_call_after_any_text() -> None:
    # GIVEN text before two tool calls
    content = [
        {"text": "Let me record that."},
        _tool_use(_triage_input(priority="HIGH")),
        _tool_use(_triage_input(priority="NORMAL")),
    ]

    # WHEN / THEN the first call wins
    assert parse_triage(content, TICKET_ID).priority is Priority.HIGH


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ([{"text": "Priority: HIGH"}], "did not call the triage tool"),
        ([], "did not call the triage tool"),
        ([_tool_use(_triage_input(priority="URGENT"))], "does not validate"),
        ([_tool_use({"customer_response": f"Hi {TICKET_ID}"})], "does not validate"),
        (
            [_tool_use(_triage_input(customer_response="Hello Maria, we are on it."))],
            "does not quote the ticket id",
        ),
    ],
)
def test_parse_triage_refuses_output_that_may_not_be_stored(
    content: list[dict[str, Any]], message: str
) -> None:
    # GIVEN / WHEN / THEN
    with pytest.raises(InvalidModelOutputError, match=message):
        parse_triage(content, TICKET_ID)

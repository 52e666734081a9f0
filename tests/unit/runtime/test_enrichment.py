"""The AI adapters: Comprehend sentiment and Bedrock Converse tool-use triage, and their validation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from tests.event_files import STATE_AFTER_TRIAGE, TICKET_SUBMITTED, load_event
from ticketflow import limits
from ticketflow.enrichment import (
    BedrockTriage,
    ComprehendSentiment,
    InvalidModelOutputError,
    parse_triage,
)
from ticketflow.model import Priority, Sentiment, SentimentResult, TicketSubmitted
from ticketflow.prompts import SYSTEM_PROMPT, TRIAGE_TOOL_NAME
from ticketflow.retry import RetryPolicy

if TYPE_CHECKING:
    from mypy_boto3_bedrock_runtime import BedrockRuntimeClient
    from mypy_boto3_comprehend import ComprehendClient


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
    result = limits.utf8_prefix(text, max_bytes)

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
    text = "é" * limits.COMPREHEND_TEXT_MAX_BYTES
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
    assert sent == ["é" * (limits.COMPREHEND_TEXT_MAX_BYTES // 2)]


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
        "inferenceConfig": {"maxTokens": limits.TRIAGE_MAX_TOKENS, "temperature": 0.2},
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


# --- retries: transient errors (RetryPolicy), invalid model output (asked once more) ---------------------


def _no_wait() -> RetryPolicy:
    return RetryPolicy(attempts=3, sleep=lambda _: None)


def _converse_answer(tool_input: dict[str, Any]) -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": [_tool_use(tool_input)]}},
        "stopReason": "tool_use",
        "usage": {"inputTokens": 500, "outputTokens": 120, "totalTokens": 620},
        "metrics": {"latencyMs": 900},
    }


def _ticket_and_sentiment() -> tuple[TicketSubmitted, SentimentResult]:
    ticket = TicketSubmitted.model_validate(load_event(TICKET_SUBMITTED))
    return ticket, SentimentResult.model_validate(load_event(STATE_AFTER_TRIAGE)["sentiment"])


def test_bedrock_triage_asks_once_more_when_the_output_does_not_validate(
    bedrock_client: BedrockRuntimeClient,
) -> None:
    # GIVEN a model whose first answer has no valid priority and whose second is good
    ticket, sentiment = _ticket_and_sentiment()
    with Stubber(bedrock_client) as stubber:
        stubber.add_response("converse", _converse_answer(_triage_input(priority="URGENT")))
        stubber.add_response("converse", _converse_answer(_triage_input(priority="HIGH")))

        # WHEN the ticket is triaged
        triage = BedrockTriage(bedrock_client, MODEL_ID, _no_wait()).triage(ticket, sentiment)

        # THEN the second, valid answer is returned
        stubber.assert_no_pending_responses()
    assert triage.priority is Priority.HIGH


def test_bedrock_triage_raises_after_a_second_invalid_output(bedrock_client: BedrockRuntimeClient) -> None:
    # GIVEN a model that twice answers without quoting the ticket id (a third call would find no stub and
    # fail with a StubResponseError, not the error expected here)
    ticket, sentiment = _ticket_and_sentiment()
    unquoted = _triage_input(customer_response="Hello Maria, we are on it.")
    with Stubber(bedrock_client) as stubber:
        stubber.add_response("converse", _converse_answer(unquoted))
        stubber.add_response("converse", _converse_answer(unquoted))

        # WHEN / THEN the second bad answer raises, and the model was asked exactly twice
        with pytest.raises(InvalidModelOutputError, match="does not quote the ticket id"):
            BedrockTriage(bedrock_client, MODEL_ID, _no_wait()).triage(ticket, sentiment)
        stubber.assert_no_pending_responses()


def test_bedrock_triage_retries_a_throttled_call(bedrock_client: BedrockRuntimeClient) -> None:
    # GIVEN Bedrock throttling once, then answering
    ticket, sentiment = _ticket_and_sentiment()
    with Stubber(bedrock_client) as stubber:
        stubber.add_client_error("converse", "ThrottlingException", "Too many requests", 429)
        stubber.add_response("converse", _converse_answer(_triage_input()))

        # WHEN the ticket is triaged
        triage = BedrockTriage(bedrock_client, MODEL_ID, _no_wait()).triage(ticket, sentiment)

        # THEN the retry got the answer
        stubber.assert_no_pending_responses()
    assert triage.priority is Priority.CRITICAL


def test_bedrock_triage_does_not_retry_a_validation_error(bedrock_client: BedrockRuntimeClient) -> None:
    # GIVEN Bedrock refusing the request (a second call would find no stub and fail otherwise)
    ticket, sentiment = _ticket_and_sentiment()
    with Stubber(bedrock_client) as stubber:
        stubber.add_client_error("converse", "ValidationException", "bad model id", 400)

        # WHEN / THEN the refusal propagates after one call
        with pytest.raises(ClientError, match="ValidationException"):
            BedrockTriage(bedrock_client, MODEL_ID, _no_wait()).triage(ticket, sentiment)
        stubber.assert_no_pending_responses()


def test_comprehend_sentiment_retries_throttling(comprehend_client: ComprehendClient) -> None:
    # GIVEN Comprehend throttling twice, then answering
    response = {
        "Sentiment": "POSITIVE",
        "SentimentScore": {"Positive": 0.9, "Negative": 0.0, "Neutral": 0.1, "Mixed": 0.0},
    }
    with Stubber(comprehend_client) as stubber:
        stubber.add_client_error("detect_sentiment", "TooManyRequestsException", "slow down", 400)
        stubber.add_client_error("detect_sentiment", "TooManyRequestsException", "slow down", 400)
        stubber.add_response("detect_sentiment", response)

        # WHEN a text's sentiment is detected
        result = ComprehendSentiment(comprehend_client, retry=_no_wait()).detect("Thanks, all good now.")

        # THEN the third call answered
        stubber.assert_no_pending_responses()
    assert result.sentiment is Sentiment.POSITIVE

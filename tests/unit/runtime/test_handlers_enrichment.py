"""DetectSentiment and GenerateResponse: thin handlers over the AI interfaces, fed as the ASL feeds them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from tests.event_files import STATE_AFTER_TRIAGE, TICKET_SUBMITTED, load_event
from tests.unit.lambda_loader import FakeLambdaContext, load_handler
from ticketflow.enrichment import InvalidModelOutputError
from ticketflow.entry_point import EntryPoint
from ticketflow.model import Priority, Sentiment, SentimentResult, SentimentScores, TicketSubmitted, Triage
from ticketflow_infra.paths import STATE_MACHINE_FILE

detect_sentiment = load_handler("detect_sentiment")
generate_response = load_handler("generate_response")
STATES: dict[str, Any] = json.loads(STATE_MACHINE_FILE.read_text(encoding="utf-8"))["States"]


class FakeDetector:
    """A SentimentDetector that answers NEGATIVE and remembers the texts it saw."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def detect(self, text: str) -> SentimentResult:
        self.texts.append(text)
        return SentimentResult(
            sentiment=Sentiment.NEGATIVE,
            scores=SentimentScores(positive=0.01, negative=0.9, neutral=0.08, mixed=0.01),
        )


class FakeTriager:
    """A TicketTriager that sets HIGH, quoting the ticket id, and remembers its inputs."""

    def __init__(self, error: Exception | None = None) -> None:
        self.calls: list[tuple[TicketSubmitted, SentimentResult]] = []
        self._error = error

    def triage(self, ticket: TicketSubmitted, sentiment: SentimentResult) -> Triage:
        self.calls.append((ticket, sentiment))
        if self._error is not None:
            raise self._error
        return Triage(
            customer_response=f"Hello, we are on it. {ticket.ticket_id}",
            priority=Priority.HIGH,
            priority_reasoning="Production is impaired.",
        )


def _state_after_sentiment() -> dict[str, Any]:
    state = load_event(STATE_AFTER_TRIAGE)
    del state["triage"], state["stamp"]
    return state


def _result_selector_keys(state_name: str) -> set[str]:
    return {key.removesuffix(".$") for key in STATES[state_name]["ResultSelector"]}


def test_the_state_machine_passes_the_whole_state_to_both_functions() -> None:
    # GIVEN / WHEN the two task states' parameters
    # THEN each function gets the state as it is (the handlers below are fed exactly that)
    assert STATES["DetectSentiment"]["Parameters"]["Payload.$"] == "$"
    assert STATES["GenerateResponse"]["Parameters"]["Payload.$"] == "$"


def test_detect_sentiment_reads_the_description_and_returns_what_the_asl_selects() -> None:
    # GIVEN the execution's input (the TicketSubmitted event) and a fake detector
    detector = FakeDetector()
    event = load_event(TICKET_SUBMITTED)

    # WHEN the handler runs
    result = detect_sentiment.handle(event, detector)

    # THEN the description was analysed, and the result has the keys DetectSentiment's ResultSelector reads
    assert detector.texts == [event["data"]["description"]]
    assert set(result) == _result_selector_keys("DetectSentiment")
    assert result["sentiment"] == "NEGATIVE"
    assert result["scores"] == {"positive": 0.01, "negative": 0.9, "neutral": 0.08, "mixed": 0.01}
    assert json.loads(json.dumps(result)) == result


def test_detect_sentiment_refuses_an_invalid_ticket() -> None:
    # GIVEN an event without a description
    event = load_event(TICKET_SUBMITTED)
    del event["data"]["description"]
    detector = FakeDetector()

    # WHEN / THEN validation fails before the service is called
    with pytest.raises(ValidationError, match="description"):
        detect_sentiment.handle(event, detector)
    assert detector.texts == []


def test_generate_response_triages_with_the_detected_sentiment() -> None:
    # GIVEN the state after DetectSentiment and a fake triager
    triager = FakeTriager()
    state = _state_after_sentiment()

    # WHEN the handler runs
    result = generate_response.handle(state, triager)

    # THEN the triager saw the ticket and its sentiment, and the result has the keys the ResultSelector reads
    ticket, sentiment = triager.calls[0]
    assert ticket.ticket_id == "TKT-20250115-0042"
    assert sentiment == SentimentResult.model_validate(state["sentiment"])
    assert set(result) == _result_selector_keys("GenerateResponse")
    assert result["priority"] == "HIGH"
    assert "TKT-20250115-0042" in result["customer_response"]


def test_generate_response_lets_invalid_model_output_fail_the_task() -> None:
    # GIVEN a model answer that may not be stored
    triager = FakeTriager(error=InvalidModelOutputError("the reply does not quote the ticket id"))

    # WHEN / THEN the task fails with that error (the execution fails, the alarm counts it)
    with pytest.raises(InvalidModelOutputError, match="ticket id"):
        generate_response.handle(_state_after_sentiment(), triager)


def test_generate_response_needs_the_sentiment() -> None:
    # GIVEN a state that skipped DetectSentiment
    state = load_event(TICKET_SUBMITTED)

    # WHEN / THEN
    with pytest.raises(KeyError, match="sentiment"):
        generate_response.handle(state, FakeTriager())


def test_lambda_handlers_run_with_a_lambda_context(
    lambda_context: FakeLambdaContext,
) -> None:
    # GIVEN both functions' entry points given fake services
    detect = EntryPoint(detect_sentiment.handle, FakeDetector, detect_sentiment.logger)
    respond = EntryPoint(generate_response.handle, FakeTriager, generate_response.logger)

    # WHEN the Lambda entry points run in sequence, as the state machine would call them
    sentiment = detect(load_event(TICKET_SUBMITTED), lambda_context)
    state = load_event(TICKET_SUBMITTED) | {"sentiment": sentiment}
    triage = respond(state, lambda_context)

    # THEN each returns its result
    assert sentiment["sentiment"] == "NEGATIVE"
    assert triage["priority"] == "HIGH"

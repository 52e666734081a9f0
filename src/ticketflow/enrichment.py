"""The two AI side effects behind small interfaces: sentiment (Comprehend) and triage (Bedrock Converse).

Both take an injected boto3 client, so a stand-in service is only another endpoint
(`AWS_ENDPOINT_URL_COMPREHEND`, `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`), never a branch here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from pydantic import ValidationError

from ticketflow import limits
from ticketflow.model import SentimentResult, SentimentScores, TicketSubmitted, Triage, validation_problems
from ticketflow.prompts import SYSTEM_PROMPT, TRIAGE_TOOL_NAME, TRIAGE_TOOL_SPEC, triage_user_message
from ticketflow.retry import RetryPolicy

if TYPE_CHECKING:
    from mypy_boto3_bedrock_runtime import BedrockRuntimeClient
    from mypy_boto3_comprehend import ComprehendClient


class InvalidModelOutputError(ValueError):
    """The model answered, but not with a triage that may be stored."""


class SentimentDetector(Protocol):
    def detect(self, text: str) -> SentimentResult: ...


class TicketTriager(Protocol):
    def triage(self, ticket: TicketSubmitted, sentiment: SentimentResult) -> Triage: ...


class ComprehendSentiment:
    def __init__(
        self, client: ComprehendClient, language_code: str = "en", retry: RetryPolicy | None = None
    ) -> None:
        self._client = client
        self._language_code = language_code
        self._retry = retry or RetryPolicy()

    def detect(self, text: str) -> SentimentResult:
        # Comprehend rejects more than 5,000 bytes; the sentiment of the opening is the ticket's tone.
        response = self._retry.call(
            lambda: self._client.detect_sentiment(
                Text=limits.utf8_prefix(text, limits.COMPREHEND_TEXT_MAX_BYTES),
                LanguageCode=self._language_code,  # type: ignore[arg-type]
            )
        )
        scores = response["SentimentScore"]
        return SentimentResult(
            sentiment=response["Sentiment"],
            scores=SentimentScores(
                positive=scores["Positive"],
                negative=scores["Negative"],
                neutral=scores["Neutral"],
                mixed=scores["Mixed"],
            ),
        )


class BedrockTriage:
    """Asks the model for a reply and a priority through Converse tool use, and validates the answer.

    An answer that does not validate is asked for once more; a second bad answer raises
    InvalidModelOutputError with the reason, and nothing unvalidated is ever returned.
    """

    def __init__(self, client: BedrockRuntimeClient, model_id: str, retry: RetryPolicy | None = None) -> None:
        self._client = client
        self._model_id = model_id
        self._retry = retry or RetryPolicy()

    def triage(self, ticket: TicketSubmitted, sentiment: SentimentResult) -> Triage:
        try:
            return self._ask(ticket, sentiment)
        except InvalidModelOutputError:
            return self._ask(ticket, sentiment)

    def _ask(self, ticket: TicketSubmitted, sentiment: SentimentResult) -> Triage:
        response = self._retry.call(
            lambda: self._client.converse(
                modelId=self._model_id,
                system=[{"text": SYSTEM_PROMPT}],
                messages=[{"role": "user", "content": [{"text": triage_user_message(ticket, sentiment)}]}],
                inferenceConfig={"maxTokens": limits.TRIAGE_MAX_TOKENS, "temperature": 0.2},
                toolConfig={
                    "tools": [TRIAGE_TOOL_SPEC],  # type: ignore[list-item]
                    "toolChoice": {"tool": {"name": TRIAGE_TOOL_NAME}},
                },
            )
        )
        return parse_triage(response["output"]["message"]["content"], ticket.ticket_id)  # type: ignore[arg-type]


def parse_triage(content: list[dict[str, Any]], ticket_id: str) -> Triage:
    """The triage from the model's tool call; raises InvalidModelOutputError on anything else."""
    tool_inputs = [block["toolUse"]["input"] for block in content if "toolUse" in block]
    if not tool_inputs:
        raise InvalidModelOutputError("the model did not call the triage tool")
    try:
        triage = Triage.model_validate(tool_inputs[0])
    except ValidationError as error:
        # Not str(error): it quotes the model's answer, which greets the customer by name.
        raise InvalidModelOutputError(
            f"the triage does not validate: {validation_problems(error, 'triage')}"
        ) from error
    if ticket_id not in triage.customer_response:
        raise InvalidModelOutputError("the reply does not quote the ticket id")
    return triage

"""A language model writes the ticket: the composed ticket is its brief (who, what product, which issue,
which tone, roughly how long), and it answers with a subject and a description in its own words.

It speaks Bedrock's Converse API, so it reaches whatever the bedrock-runtime client points at: Bedrock on
AWS, or fake_bedrock, which forwards Converse to the language model configured as its upstream.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from ticketflow.model import TicketSubmitted
from ticketflow_dev.generation.generator import Generated

if TYPE_CHECKING:
    from mypy_boto3_bedrock_runtime import BedrockRuntimeClient

SYSTEM_PROMPT = (
    "You write realistic customer support tickets for AWS products, as real customers write them: in the "
    "first person, with the specifics an engineer would paste (ids, error text, times), in the tone asked "
    'for. Answer with one JSON object and nothing else: {"subject": "...", "description": "..."}.'
)
_TONE_BRIEFS = {
    "NEGATIVE": "angry or frustrated",
    "NEUTRAL": "factual and calm, a plain report",
    "MIXED": "appreciative of the product overall but troubled by the issue",
    "POSITIVE": "delighted with the product, with a small question",
}
_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


class ModelWriterError(RuntimeError):
    """The model's answer is not a ticket (no JSON object with a subject and a description)."""


def brief(generated: Generated) -> str:
    """The user message: the facts to keep and the composed ticket as an example of the tone."""
    ticket, tone = generated.ticket, generated.tone
    issue = ticket.data.product_issue_information
    contact = ticket.data.customer_contact_information
    words = len(ticket.data.description.split())
    return "\n".join(
        [
            f"Customer: {contact.full_name} of {contact.company}",
            f"Product: {issue.product}",
            f"Issue type: {issue.issue_type}",
            f"Tone: {_TONE_BRIEFS[tone.sentiment.value]} ({tone.name})",
            f"Length: about {words} words, in one to three paragraphs",
            "A draft to rewrite in your own words (keep its facts, change its phrasing):",
            f"Subject: {ticket.data.subject}",
            ticket.data.description,
        ]
    )


def parse_answer(text: str) -> tuple[str, str]:
    """(subject, description) from the model's text; raises ModelWriterError otherwise."""
    match = _JSON_OBJECT.search(text)
    try:
        answer: Any = json.loads(match.group(0)) if match else None
    except json.JSONDecodeError:
        answer = None
    if not isinstance(answer, dict) or not all(
        isinstance(answer.get(key), str) and answer[key].strip() for key in ("subject", "description")
    ):
        raise ModelWriterError(f"the model did not answer with a ticket: {text[:200]!r}")
    return answer["subject"].strip(), answer["description"].strip()


class ModelWriter:
    """Rewrites generated tickets with a model; the customer, product, issue and ids stay as generated."""

    def __init__(self, bedrock: BedrockRuntimeClient, model_id: str) -> None:
        self._bedrock = bedrock
        self._model_id = model_id

    def write(self, generated: Generated) -> TicketSubmitted:
        response = self._bedrock.converse(
            modelId=self._model_id,
            system=[{"text": SYSTEM_PROMPT}],
            messages=[{"role": "user", "content": [{"text": brief(generated)}]}],
            inferenceConfig={"maxTokens": 800, "temperature": 0.8},
        )
        content = response["output"].get("message", {}).get("content", [])
        subject, description = parse_answer("".join(block.get("text", "") for block in content))
        data = generated.ticket.data.model_copy(update={"subject": subject, "description": description})
        return generated.ticket.model_copy(update={"data": data})

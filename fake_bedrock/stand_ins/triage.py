"""What the stand-in language model decides for a ticket: parse the triage prompt, set a priority by the
system prompt's rules, and draft the reply. Also a plain free-text completion for prompts without tools.

The prompt format is the contract of `ticketflow.prompts.triage_user_message`: `Label: value` lines, then
`Description:` and the description to the end. This module does not import ticketflow: fake_bedrock is a
separate service with its own image.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from fake_bedrock.stand_ins.priority import decide, strip_instructions
from fake_bedrock.stand_ins.replies import ReplyFacts, choose_playbook, draft_reply
from fake_bedrock.stand_ins.sentiment import analyse

_LABELS = {
    "ticket id": "ticket_id",
    "customer": "customer_name",
    "customer first name": "first_name",
    "company": "company",
    "product": "product",
    "issue type": "issue_type",
    "sentiment": "sentiment",
    "subject": "subject",
}
_SENTIMENTS = ("POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED")


@dataclass(frozen=True)
class TicketFacts:
    ticket_id: str = ""
    customer_name: str = ""
    first_name: str = ""
    company: str = ""
    product: str = ""
    issue_type: str = ""
    sentiment: str = ""
    subject: str = ""
    description: str = ""


@dataclass(frozen=True)
class TriageDraft:
    priority: str
    priority_reasoning: str
    customer_response: str


def parse_ticket(user_text: str) -> TicketFacts:
    """Read the `Label: value` lines and the Description block built by ticketflow.prompts.

    Labels are matched case-insensitively; lines before `Description:` that are not known labels are
    ignored; everything after `Description:` (or text on the same line) is the description.
    """
    values: dict[str, str] = {}
    lines = user_text.splitlines()
    for index, line in enumerate(lines):
        label, sep, value = line.partition(":")
        key = label.strip().lower()
        if sep and key == "description":
            rest = [value.strip()] if value.strip() else []
            values["description"] = "\n".join([*rest, *lines[index + 1 :]]).strip()
            break
        if sep and key in _LABELS and _LABELS[key] not in values:
            values[_LABELS[key]] = value.strip()
    values["sentiment"] = _sentiment_label(values.get("sentiment", ""))
    return TicketFacts(**values)


def _sentiment_label(value: str) -> str:
    """'NEGATIVE (positive 0.01, ...)' -> 'NEGATIVE'; anything unrecognised -> ''."""
    head = value.split("(", 1)[0].strip().upper()
    return head if head in _SENTIMENTS else ""


def triage(facts: TicketFacts) -> TriageDraft:
    """Priority from the rules (impact, then sentiment) and the reply a support engineer would write."""
    sentiment = facts.sentiment or analyse(facts.description)[0]
    decision = decide(sentiment, facts.subject, facts.description)
    reply = draft_reply(
        ReplyFacts(
            ticket_id=facts.ticket_id,
            name=facts.first_name or facts.customer_name.split(" ", 1)[0],
            product=facts.product,
            issue_type=facts.issue_type,
            subject=facts.subject,
            description=strip_instructions(facts.description),
            sentiment=sentiment,
            priority=decision.priority,
        )
    )
    return TriageDraft(decision.priority, decision.reasoning, reply)


def known_values(user_text: str) -> dict[str, Any]:
    """Values a model would put into tool-input fields of these names: the ticket's facts and its triage."""
    facts = parse_ticket(user_text)
    known = {**dataclasses.asdict(facts), **dataclasses.asdict(triage(facts))}
    return {name: value for name, value in known.items() if value not in ("", None)}


_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def complete(prompt: str) -> str:
    """A plausible deterministic free-text answer for a plain prompt (no tool).

    A triage prompt gets the drafted reply; a request to summarise gets the first sentences; a request
    for sentiment or priority gets that judgement; anything else a short, generic support answer.
    """
    facts = parse_ticket(prompt)
    if facts.ticket_id and facts.description:
        return triage(facts).customer_response
    text = strip_instructions(prompt).strip()
    lowered = text.lower()
    if not text:
        return "I did not receive a question. Please describe the issue and I will help."
    body = text.split(":", 1)[1].strip() if ":" in text[:80] else text
    if "summar" in lowered:
        sentences = _SENTENCE.split(body)
        return "Summary: " + " ".join(sentences[:2])[:400]
    if "sentiment" in lowered:
        label, scores = analyse(body)
        return f"The sentiment is {label} (confidence {scores[label.title()]:.2f})."
    if "priority" in lowered:
        decision = decide(analyse(body)[0], "", body)
        return f"Priority: {decision.priority}. {decision.reasoning}"
    family, playbook = choose_playbook("", "", body)
    steps = " ".join(step.format(short="the service") for step in playbook.steps[:2])
    topic = "your question" if family == "general" else f"this {family} question"
    return (
        f"Thanks for {topic}. {steps} If the problem persists, share the resource ID, region and exact error."
    )

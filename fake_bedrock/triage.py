"""What the stand-in language model decides: parse the triage prompt, set a priority, draft a reply."""

from __future__ import annotations

from dataclasses import dataclass

_LABELS = {
    "Ticket ID": "ticket_id",
    "Customer": "customer_name",
    "Customer first name": "first_name",
    "Company": "company",
    "Product": "product",
    "Issue type": "issue_type",
    "Sentiment": "sentiment",
    "Subject": "subject",
}


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
    """Read the `Label: value` lines and the Description block built by ticketflow.prompts."""
    fields: dict[str, str] = {}
    lines = user_text.splitlines()
    for index, line in enumerate(lines):
        if line.strip() == "Description:":
            fields["description"] = "\n".join(lines[index + 1 :]).strip()
            break
        label, sep, value = line.partition(":")
        if sep and label.strip() in _LABELS:
            fields[_LABELS[label.strip()]] = value.strip()
    sentiment = fields.get("sentiment", "")
    fields["sentiment"] = sentiment.split(" ", 1)[0].upper() if sentiment else ""
    return TicketFacts(**fields)


_HIGH_WORDS = ("outage", "down", "data loss", "lost", "security", "breach", "revenue", "production")


def triage(facts: TicketFacts) -> TriageDraft:
    text = f"{facts.subject}\n{facts.description}".lower()
    if any(word in text for word in _HIGH_WORDS) or facts.sentiment == "NEGATIVE":
        priority, why = "HIGH", "Production impact or a negative customer whose business is blocked."
    elif facts.sentiment == "MIXED":
        priority, why = (
            "MEDIUM",
            "Something is degraded for a mixed-sentiment customer without business impact.",
        )
    else:
        priority, why = "NORMAL", "A question or how-to with no business impact."
    when = "within 4 hours" if priority == "HIGH" else "within 1-2 business days"
    name = facts.first_name or facts.customer_name or "there"
    reply = (
        f"Hello {name},\n\nThank you for contacting us about {facts.issue_type or 'your issue'} "
        f"with {facts.product or 'your service'}.\n\n"
        "Please try:\n1. Check recent configuration changes.\n2. Review the service logs and metrics.\n\n"
        "Please share the resource IDs, the region and the exact error messages.\n\n"
        f"A specialist will respond {when}.\n\nBest regards,\nAWS Support Team\nTicket {facts.ticket_id}"
    )
    return TriageDraft(priority=priority, priority_reasoning=why, customer_response=reply)


def complete(prompt: str) -> str:
    """A plausible deterministic free-text answer for a plain prompt."""
    first = prompt.strip().splitlines()[0][:80] if prompt.strip() else "your request"
    return (
        f"Thank you for your message about: {first}. A support engineer has reviewed it and will follow up."
    )

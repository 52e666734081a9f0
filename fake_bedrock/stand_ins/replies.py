"""The customer reply a support engineer would write: what the triage model drafts for a ticket.

Layout (as in the real model's replies): greeting by name; an acknowledgement naming the product and the
issue, apologetic when the customer is upset and thankful when they are happy; two or three
troubleshooting steps for the kind of issue; the information needed; when a specialist will respond
given the priority; a closing that quotes the ticket id exactly. At most 150 words.

Steps come from keyword families (connectivity, permissions, billing, performance, deployment and
build, scaling and capacity, data and backup, security, messaging, machine learning, observability,
configuration, stability), matched on the issue type first, then the subject, then the description,
so any product or issue phrasing lands on a sensible family.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_WORDS = 150


@dataclass(frozen=True)
class Playbook:
    keywords: tuple[str, ...]
    steps: tuple[str, ...]
    needed: tuple[str, ...]


# Order matters only for ties: the more specific families come first.
PLAYBOOKS: dict[str, Playbook] = {
    "billing": Playbook(
        ("billing", "bill", "invoice", "charge", "charged", "cost", "reserved instance", "pricing", "refund"),
        (
            "Open Billing and Cost Management and compare the charges with your expected usage.",
            "In Cost Explorer, filter by {short} and usage type to find the unexpected line items.",
            "Check that reservations or savings plans match the instance family, region and tenancy in use.",
        ),
        ("The billing period and invoice or charge ID", "The account ID", "The usage you expected"),
    ),
    "permissions": Playbook(
        (
            "permission",
            "access denied",
            "accessdenied",
            "iam",
            "role",
            "policy",
            "policies",
            "boundar",
            "authentication",
            "authorization",
            "user pool",
            "assume",
            "credential",
            "secret retrieval",
            "service control",
            "unauthorized",
            "forbidden",
        ),
        (
            "Use the IAM policy simulator to test the failing action against the principal's policies.",
            "Check CloudTrail for the denied call to see which policy, boundary or SCP blocked it.",
            "Verify resource-based policies and trust relationships on the {short} resource.",
        ),
        (
            "The principal ARN and the exact action",
            "The full error message with its request ID",
            "Recent policy changes",
        ),
    ),
    "connectivity": Playbook(
        (
            "connect",
            "connectivity",
            "connection",
            "network",
            "dns",
            "resolution",
            "endpoint",
            "subnet",
            "nat gateway",
            "vpc",
            "mount target",
            "broker",
            "routing",
            "unreachable",
            "refused",
            "ssh",
        ),
        (
            "Verify that security groups and network ACLs allow your clients on the required port.",
            "Check the route tables, DNS resolution and the {short} endpoint your application uses.",
            "Test from a host in the same VPC (nc to the endpoint and port) to isolate the network path.",
        ),
        (
            "The resource ID and region",
            "The exact error and when it started",
            "Recent network or security changes",
        ),
    ),
    "data": Playbook(
        (
            "backup",
            "snapshot",
            "restore",
            "restoration",
            "replication",
            "etl",
            "crawler",
            "retention",
            "data loss",
            "global table",
            "cross-region",
            "pipeline activation",
            "integration error",
        ),
        (
            "Check the status and history of the {short} jobs or snapshots, including any failure reason.",
            "Review CloudWatch logs and CloudTrail events for the affected runs.",
            "Verify the service role's permissions and any KMS keys used for encryption.",
        ),
        (
            "The job, snapshot or resource ID",
            "Any error message and its time",
            "Your retention and schedule settings",
        ),
    ),
    "security": Playbook(
        (
            "security",
            "ddos",
            "waf",
            "shield",
            "kms",
            "key rotation",
            "encryption",
            "compliance",
            "scanning",
            "vulnerab",
            "rule evaluation",
            "guardduty",
            "breach",
            "compromised",
        ),
        (
            "Review the {short} configuration and recent changes to rules, keys or protections.",
            "Check CloudTrail and the {short} logs for the evaluations or events around the problem.",
            "Confirm the resources are associated with the expected web ACL, key policy or protection.",
        ),
        (
            "The resource ARNs involved",
            "Relevant log excerpts with timestamps",
            "Recent configuration changes",
        ),
    ),
    "deployment": Playbook(
        (
            "deploy",
            "deployment",
            "build",
            "pipeline execution",
            "execution",
            "state machine",
            "workflow",
            "stack",
            "rollback",
            "cloudformation",
            "container",
            "task definition",
            "upgrade",
            "version",
            "patch",
            "release",
            "compatib",
        ),
        (
            "Open the affected {short} run or execution and read its first error event, not just the status.",
            "Compare its configuration (spec, template, task definition, version) with the last good run.",
            "Check the service role's permissions and any quotas the run depends on.",
        ),
        (
            "The run, deployment or stack ID",
            "The first error event in full",
            "What changed since the last success",
        ),
    ),
    "scaling": Playbook(
        (
            "scaling",
            "auto scaling",
            "resize",
            "node group",
            "capacity",
            "provisioned",
            "throughput",
            "throttl",
            "shard",
            "memory",
            "resource",
            "quota",
            "limit",
            "job queue",
        ),
        (
            "Check the {short} CloudWatch metrics for throttling, utilisation and capacity when it fails.",
            "Review the configured capacity, scaling policies and service quotas against actual demand.",
            "Spread load evenly (keys, shards, partitions) and add retries with exponential backoff.",
        ),
        (
            "The resource name and region",
            "CloudWatch graphs for the affected period",
            "Your expected peak load",
        ),
    ),
    "observability": Playbook(
        (
            "log",
            "alarm",
            "dashboard",
            "query result",
            "visualization",
            "rendering",
            "metric",
            "event logging",
            "trail",
        ),
        (
            "Check the query, alarm or visual definition, including its time range, period and filters.",
            "Confirm the underlying data is arriving (log group, trail or data source) for the same period.",
            "Compare with a simpler query or visual to isolate which setting changes the result.",
        ),
        (
            "The query, alarm or dashboard name",
            "A screenshot or output of the unexpected result",
            "The expected result",
        ),
    ),
    "performance": Playbook(
        (
            "performance",
            "latency",
            "slow",
            "timeout",
            "timing out",
            "cold start",
            "query",
            "cache",
            "hit rate",
            "delay",
            "performance insights",
            "speed",
            "response time",
        ),
        (
            "Compare {short} CloudWatch metrics (latency, errors, utilisation) for good and slow periods.",
            "Review recent changes to configuration, sizing or code around when it began.",
            "Time one request in isolation to separate {short} time from client or network time.",
        ),
        ("The resource ID and region", "Timestamps of slow requests", "Expected versus observed timings"),
    ),
    "messaging": Playbook(
        (
            "topic",
            "message",
            "queue",
            "visibility",
            "delivery",
            "event pattern",
            "eventbridge",
            "subscription",
        ),
        (
            "Check the {short} delivery metrics and any dead-letter queue for failed messages.",
            "Verify the subscription, rule or event pattern against a sample event.",
            "Confirm the target's resource policy allows {short} to deliver to it.",
        ),
        ("The topic, queue or rule ARN", "A sample message or event", "The time of a missed delivery"),
    ),
    "machine learning": Playbook(
        (
            "model",
            "training",
            "inference",
            "entity recognition",
            "image analysis",
            "document processing",
            "accuracy",
        ),
        (
            "Check the {short} job or endpoint status and its CloudWatch logs for errors.",
            "Validate the input data format and size against the {short} documentation.",
            "Compare results with a small known-good sample to separate data issues from service issues.",
        ),
        ("The job or endpoint name", "A sample input and the output you expected", "The exact error, if any"),
    ),
    "stability": Playbook(
        (
            "failover",
            "termination",
            "terminated",
            "stability",
            "crash",
            "restart",
            "health check",
            "unhealthy",
        ),
        (
            "Review the {short} events and health history for the affected period.",
            "Check CloudWatch for resource pressure (CPU, memory, storage, connections) before each event.",
            "Verify the health check, failover or termination settings match your design.",
        ),
        ("The cluster or resource ID", "The event times in UTC", "Any recent maintenance or changes"),
    ),
    "configuration": Playbook(
        ("configuration", "config", "setting", "rule", "setup", "parameter", "option"),
        (
            "Review the {short} configuration against the documented requirements for this feature.",
            "Check CloudTrail for recent changes to the configuration.",
            "Test with a minimal configuration to isolate the setting that causes the behaviour.",
        ),
        (
            "The resource ID and region",
            "The configuration you applied",
            "The exact error or unexpected result",
        ),
    ),
}
GENERIC = Playbook(
    (),
    (
        "Check the {short} console and CloudWatch for errors around the time the issue began.",
        "Review recent configuration or code changes that coincide with it.",
        "Reproduce with a minimal example to isolate the cause.",
    ),
    ("The resource ID and region", "The exact error message", "When the issue started"),
)

# Keywords match at the start of a word ("throttl" matches "throttling", "log" does not match "catalog").
_KEYWORD_PATTERNS = {
    name: re.compile(r"\b(?:" + "|".join(re.escape(k) for k in playbook.keywords) + ")")
    for name, playbook in PLAYBOOKS.items()
}

RESPONSE_TIMES = {
    "CRITICAL": "within 1 hour",
    "HIGH": "within 2-4 hours",
    "MEDIUM": "within 1-2 business days",
    "NORMAL": "within 2-3 business days",
}
_PREFIX = re.compile(r"^(?:amazon|aws)\s+", re.IGNORECASE)
# A quoted error message: the opening quote starts a word (so "isn't ... it's" is not a quotation).
_QUOTED_ERROR = re.compile(r"(?:(?<=[\s(:])|^)['\"]([^'\"\n]{8,70}?)['\"](?![A-Za-z])")


def short_name(product: str) -> str:
    """'Amazon Aurora' -> 'Aurora', 'AWS Lambda' -> 'Lambda'."""
    return _PREFIX.sub("", product.strip()) or product.strip() or "AWS"


def choose_playbook(issue_type: str, subject: str, description: str) -> tuple[str, Playbook]:
    """The family whose keywords the ticket mentions most, the issue type counting most."""
    fields = ((issue_type.lower(), 6.0), (subject.lower(), 2.0), (description.lower(), 1.0))
    best_name, best, best_score = "general", GENERIC, 0.0
    for name, playbook in PLAYBOOKS.items():
        pattern = _KEYWORD_PATTERNS[name]
        score = sum(weight * len(pattern.findall(text)) for text, weight in fields)
        if score > best_score:
            best_name, best, best_score = name, playbook, score
    return best_name, best


@dataclass(frozen=True)
class ReplyFacts:
    ticket_id: str
    name: str
    product: str
    issue_type: str
    subject: str
    description: str
    sentiment: str
    priority: str


def _acknowledgement(facts: ReplyFacts) -> str:
    issue = facts.issue_type.lower() or "the issue you reported"
    product = facts.product or "your AWS service"
    quoted = _QUOTED_ERROR.search(facts.description)
    detail = f", including the '{quoted.group(1)}' error" if quoted else ""
    if facts.sentiment == "POSITIVE":
        return (
            f"Thank you for your kind words about {product}; we're glad it is working well for you. "
            f"Happy to help with your {issue} question."
        )
    if facts.priority in ("CRITICAL", "HIGH") or facts.sentiment == "NEGATIVE":
        return (
            f"I understand the {issue} problem with {product}{detail} is affecting your operations, "
            "and I sincerely apologize for the impact."
        )
    return (
        f"I understand you're seeing a {issue} issue with {product}{detail}. Let's troubleshoot it together."
    )


def draft_reply(facts: ReplyFacts) -> str:
    """The reply, within MAX_WORDS, quoting facts.ticket_id exactly."""
    short = short_name(facts.product)
    _, playbook = choose_playbook(facts.issue_type, facts.subject, facts.description)
    steps = [step.format(short=short) for step in playbook.steps]
    when = RESPONSE_TIMES.get(facts.priority, RESPONSE_TIMES["MEDIUM"])
    follow_up = "to resolve this" if facts.priority in ("CRITICAL", "HIGH") else "to assist further"

    def render(step_count: int) -> str:
        lines = [
            f"Hello {facts.name or 'there'},",
            "",
            _acknowledgement(facts),
            "",
            "A few suggestions:" if facts.sentiment == "POSITIVE" else "Immediate steps to try:",
            *(f"{index}. {step}" for index, step in enumerate(steps[:step_count], start=1)),
            "",
            "Please provide:",
            *(f"- {item}" for item in playbook.needed),
            "",
            f"Our {short} specialist will contact you {when} {follow_up}.",
            "",
            "Best regards,",
            "AWS Support Team",
            f"Ticket {facts.ticket_id}",
        ]
        return "\n".join(lines)

    for step_count in (3, 2):
        reply = render(step_count)
        if len(reply.split()) <= MAX_WORDS:
            return reply
    return _truncate(render(2), facts.ticket_id)


def _truncate(reply: str, ticket_id: str) -> str:
    """Last resort for very long product or issue names: keep the opening words and the id."""
    closing = f"\n\nBest regards,\nAWS Support Team\nTicket {ticket_id}"
    budget = MAX_WORDS - len(closing.split())
    words = reply.split(" ")
    kept: list[str] = []
    for word in words:
        if len(" ".join([*kept, word]).split()) > budget:
            break
        kept.append(word)
    head = " ".join(kept).split("\n\nBest regards,")[0]
    return head + closing

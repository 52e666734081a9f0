"""Realistic generated tickets: products and issue types from support's scenario space, three tones.

Deterministic for a seed, so a demo or a benchmark can be repeated ticket for ticket.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime

from ticketflow.model import CustomerContact, ProductIssue, TicketData, TicketSubmitted

SCENARIOS: tuple[tuple[str, str], ...] = (
    ("Amazon EC2", "Instance Connectivity"),
    ("Amazon EC2", "Auto Scaling Configuration"),
    ("Amazon EC2", "Reserved Instance Billing"),
    ("Amazon ECS", "Container Deployment Failure"),
    ("Amazon EKS", "Node Group Scaling"),
    ("AWS Lambda", "Function Timeout"),
    ("AWS Lambda", "Cold Start Latency"),
    ("Amazon S3", "Access Denied Errors"),
    ("Amazon S3", "Lifecycle Policy Configuration"),
    ("Amazon RDS", "Database Connection Limits"),
    ("Amazon RDS", "Automated Backup Failure"),
    ("Amazon DynamoDB", "Throttled Requests"),
    ("Amazon CloudFront", "Cache Invalidation"),
    ("AWS IAM", "Permission Boundary Issues"),
    ("Amazon VPC", "NAT Gateway Connectivity"),
    ("Amazon Route 53", "DNS Resolution Failure"),
    ("AWS CodeBuild", "Build Environment"),
    ("Amazon SQS", "Message Visibility Timeout"),
    ("AWS Billing", "Unexpected Charges"),
    ("Amazon Cognito", "User Pool Sign-in Errors"),
)

_FIRST = (
    "Maria",
    "James",
    "Aiko",
    "Priya",
    "Lucas",
    "Fatima",
    "Noah",
    "Elena",
    "Kwame",
    "Sofia",
    "Wei",
    "Omar",
)
_LAST = ("Garcia", "Smith", "Tanaka", "Patel", "Silva", "Khan", "Johnson", "Rossi", "Mensah", "Novak", "Chen")
_COMPANIES = ("Northwind Traders", "Contoso Retail", "Globex Health", "Initech Labs", "Umbrella Logistics")

_TONES: tuple[tuple[str, str], ...] = (
    (
        "URGENT: {issue} on {product} - production down",
        "Our production workload on {product} has been down for an hour because of {issue_lower}. Customers "
        "cannot check out and we are losing revenue every minute. This is unacceptable, we need someone on "
        "this immediately. We have already restarted everything we can think of.",
    ),
    (
        "Question about {issue} in {product}",
        "Hi team, thanks for the great documentation. We are planning a new project on {product} and have a "
        "quick question about {issue_lower}: what is the recommended way to set this up? Nothing is broken, "
        "we just want to follow best practices. Thanks in advance!",
    ),
    (
        "{product}: {issue} since yesterday",
        "We have noticed {issue_lower} on {product} since yesterday. It is intermittent and we found a "
        "workaround, but it is slowing our team down. We appreciate the service overall, but this is "
        "frustrating. Could you help us find the cause?",
    ),
)


def tickets(
    count: int, *, seed: int = 0, first_number: int = 1, now: datetime | None = None
) -> Iterator[TicketSubmitted]:
    """`count` tickets numbered from `first_number`, submitted `now` (UTC)."""
    rng = random.Random(seed)  # noqa: S311 (repeatable test data, not secrets)
    submitted_at = now or datetime.now(UTC)
    for number in range(first_number, first_number + count):
        yield _ticket(rng, number, submitted_at)


def _ticket(rng: random.Random, number: int, submitted_at: datetime) -> TicketSubmitted:
    product, issue = rng.choice(SCENARIOS)
    subject, description = rng.choice(_TONES)
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    company = rng.choice(_COMPANIES)
    facts = {"product": product, "issue": issue, "issue_lower": issue.lower()}
    return TicketSubmitted(
        ticket_id=f"TKT-{submitted_at:%Y%m%d}-{number:04d}",
        submitted_at=submitted_at,
        data=TicketData(
            subject=subject.format(**facts),
            description=description.format(**facts),
            customer_contact_information=CustomerContact(
                first_name=first,
                last_name=last,
                full_name=f"{first} {last}",
                email=f"{first}.{last}@{company.split()[0]}.example".lower(),
                company=company,
            ),
            product_issue_information=ProductIssue(product=product, issue_type=issue),
        ),
    )

"""The specifics a ticket names: resource ids, regions, dates, figures. Drawn per ticket, so two tickets
composed from the same phrasings still differ, as two customers' tickets do."""

from __future__ import annotations

import random
import re
from datetime import date, timedelta

from ticketflow_dev.generation.scenarios import Scenario

REGIONS = (
    "us-east-1",
    "us-east-2",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "eu-north-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "ap-south-1",
    "sa-east-1",
    "ca-central-1",
)
_ENVIRONMENTS = ("prod", "production", "staging", "live", "eu", "main", "primary", "reporting")
_SYSTEMS = ("orders", "checkout", "billing", "events", "analytics", "ingest", "search", "media", "auth",
            "payments", "catalog", "telemetry", "crm", "ledger", "notifications", "reports")  # fmt: skip
_ROLES = ("DeployRole", "AppServerRole", "etl-runner", "ci-deployer", "DataPipelineRole", "ops-readonly")
_ACTIONS = ("s3:GetObject", "kms:Decrypt", "dynamodb:PutItem", "sts:AssumeRole", "lambda:InvokeFunction")
_APIS = ("GetObject", "PutItem", "AssumeRole", "Decrypt", "InvokeFunction", "DescribeStacks")
_PARAMS = ("MaxCapacity", "RetentionPeriod", "VisibilityTimeout", "ViewerProtocolPolicy", "ScalingConfig")
_RUNTIMES = ("python3.12", "python3.11", "nodejs20.x", "nodejs18.x", "java21", "Go 1.22", ".NET 8")
_ID_PREFIX = {"instance": "i-", "volume": "vol-", "VPC": "vpc-", "transit gateway": "tgw-", "key": "key/"}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")  # fmt: skip


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def resource_id(rng: random.Random, scenario: Scenario) -> str:
    """'i-0a3f…' for an instance, 'checkout-prod-queue' for a queue: how the product names its resources."""
    prefix = _ID_PREFIX.get(scenario.resource)
    if prefix:
        return prefix + f"{rng.getrandbits(68):017x}"
    parts = [rng.choice(_SYSTEMS), rng.choice(_ENVIRONMENTS)]
    kind = _slug(scenario.resource).split("-")[-1]
    if rng.random() < 0.5 and kind not in parts[0]:
        parts.append(kind)
    if rng.random() < 0.4:
        parts.append(f"{rng.randint(1, 40):02d}")
    return "-".join(parts)


def slots(rng: random.Random, scenario: Scenario, today: date) -> dict[str, str]:
    """Every slot a template may name, for one ticket."""
    when = today - timedelta(days=rng.randint(1, 20))
    ms_before = rng.choice((40, 80, 100, 120, 150, 200, 250, 300))
    hour = rng.randint(6, 20)
    return {
        "product": scenario.product,
        "short": scenario.short,
        "issue": scenario.issue_type.lower(),
        "res": scenario.resource,
        "rid": resource_id(rng, scenario),
        "region": rng.choice(REGIONS),
        "date": f"{_MONTHS[when.month - 1]} {when.day}, {when.year}"
        if rng.random() < 0.6
        else when.isoformat(),
        "time": f"{rng.randint(0, 23):02d}:{rng.choice((0, 5, 15, 30, 42, 45)):02d} UTC",
        "month": _MONTHS[(when.month - 2) % 12],
        "secs": str(rng.choice((3, 5, 10, 15, 29, 30, 60, 90, 120, 300, 900))),
        "ms": str(rng.choice((3000, 5000, 10000, 30000, 60000))),
        "ms_before": str(ms_before),
        "ms_after": str(ms_before * rng.randint(3, 12)),
        "pct": str(rng.choice((5, 8, 10, 12, 15, 20, 25, 30, 40, 60))),
        "n": str(rng.randint(2, 48)),
        "hours": str(rng.randint(2, 36)),
        "mins": str(rng.choice((20, 30, 45, 60, 90))),
        "hour": f"{hour:02d}",
        "hour_end": f"{hour + rng.randint(1, 3):02d}",
        "ip": f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        "port": str(rng.choice((443, 5432, 3306, 6379, 9092, 8080, 27017, 2049))),
        "role": rng.choice(_ROLES),
        "action": rng.choice(_ACTIONS),
        "api": rng.choice(_APIS),
        "param": rng.choice(_PARAMS),
        "account": f"{rng.randint(10**11, 10**12 - 1)}",
        "request_id": f"{rng.getrandbits(64):016X}",
        "job_id": f"{rng.getrandbits(48):012x}",
        "deployment_id": f"d-{rng.getrandbits(40):010X}",
        "amount": f"{rng.randint(120, 48000):,}",
        "runtime": rng.choice(_RUNTIMES),
        "users": str(rng.choice((40, 200, 1200, 5000, 20000, 150000))),
        "team": rng.choice(("platform", "data", "SRE", "mobile", "payments", "analytics", "DevOps")),
    }

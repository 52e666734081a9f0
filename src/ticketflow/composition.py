"""The one place a Lambda reads its environment and builds its clients (once per container).

Endpoints are not configured here: boto3 itself honours `AWS_ENDPOINT_URL_<SERVICE>`, which the local
profile sets on the functions, so the same code reaches AWS or the stand-ins.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from ticketflow.archive import TicketArchive
from ticketflow.enrichment import BedrockTriage, ComprehendSentiment
from ticketflow.ingest import Intake
from ticketflow.ticket_store import DynamoTicketStore

if TYPE_CHECKING:
    from boto3.session import Session

# Standard retry mode backs off with jitter on throttling and 5xx; the state machine retries on top.
_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=60)


@dataclass(frozen=True)
class FunctionEnvironment:
    """What the stack passes to the functions; each function reads only the fields it needs."""

    environ: Mapping[str, str]

    def require(self, name: str) -> str:
        value = self.environ.get(name)
        if not value:
            raise RuntimeError(f"environment variable {name} is not set on this function")
        return value

    @classmethod
    def current(cls) -> FunctionEnvironment:
        return cls(dict(os.environ))


def _session(session: Session | None) -> Session:
    return session or boto3.session.Session()


def intake(env: FunctionEnvironment, session: Session | None = None) -> Intake:
    s = _session(session)
    store = DynamoTicketStore(s.client("dynamodb", config=_CLIENT_CONFIG), env.require("TABLE_NAME"))
    return Intake(s.client("stepfunctions", config=_CLIENT_CONFIG), env.require("STATE_MACHINE_ARN"), store)


def sentiment_detector(session: Session | None = None) -> ComprehendSentiment:
    return ComprehendSentiment(_session(session).client("comprehend", config=_CLIENT_CONFIG))


def triager(env: FunctionEnvironment, session: Session | None = None) -> BedrockTriage:
    client = _session(session).client("bedrock-runtime", config=_CLIENT_CONFIG)
    return BedrockTriage(client, env.require("BEDROCK_MODEL_ID"))


def archive(env: FunctionEnvironment, session: Session | None = None) -> TicketArchive:
    return TicketArchive(_session(session).client("s3", config=_CLIENT_CONFIG), env.require("BUCKET_NAME"))

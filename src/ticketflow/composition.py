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

from ticketflow.admission import Admission
from ticketflow.archive_writer import TicketArchive
from ticketflow.carriage import S3Descriptions
from ticketflow.dead_letters import DeadLetterQueue, S3Records
from ticketflow.enrichment import BedrockTriage, ComprehendSentiment
from ticketflow.ingest import START_CONCURRENCY, Intake
from ticketflow.ticket_store import DynamoTicketStore

if TYPE_CHECKING:
    from boto3.session import Session

# Standard retry mode backs off with jitter on throttling and 5xx; the state machine retries on top.
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=60)
# `max_attempts` counts retries: 3 is 4 attempts. The archive write is a ticket's last step, and its failure
# fails the ticket (the state machine does not retry a handler's error): S3 asks clients to back off and
# retry on SlowDown 503, so it gets 7 attempts (with 10% SlowDown, a ticket fails 1 in 10^7, not 1 in 10^4).
_ARCHIVE_RETRIES = Config(retries={"mode": "standard", "max_attempts": 6})
# The AI adapters retry by their own policy (ticketflow.retry), which also covers ModelTimeoutException.
_AI_CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 1}, connect_timeout=5, read_timeout=60
)


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


def session_or_default(session: Session | None) -> Session:
    return session or boto3.session.Session()


def intake(env: FunctionEnvironment, session: Session | None = None) -> Intake:
    s = session_or_default(session)
    config = CLIENT_CONFIG.merge(Config(max_pool_connections=START_CONCURRENCY))
    store = DynamoTicketStore(s.client("dynamodb", config=config), env.require("TABLE_NAME"))
    sfn, state_machine_arn = s.client("stepfunctions", config=config), env.require("STATE_MACHINE_ARN")
    return Intake(
        sfn,
        state_machine_arn,
        store,
        descriptions=descriptions(env, s, config),
        admission=_admission(env, store),
    )


def _admission(env: FunctionEnvironment, store: DynamoTicketStore) -> Admission | None:
    """MAX_IN_FLIGHT set: the trigger keeps at most that many executions running; unset: no bound."""
    limit = env.environ.get("MAX_IN_FLIGHT")
    if not limit:
        return None
    if not limit.isdigit() or int(limit) < 1:
        raise RuntimeError(f"MAX_IN_FLIGHT must be a whole number of executions above zero, got {limit!r}")
    return Admission(int(limit), store.final_ids)


def dead_letter_queue(env: FunctionEnvironment, session: Session | None = None) -> DeadLetterQueue:
    """The trigger's dead letters: SQS, and the archive bucket for a record too large for a message."""
    s = session_or_default(session)
    records = S3Records(s.client("s3", config=CLIENT_CONFIG), env.require("BUCKET_NAME"))
    return DeadLetterQueue(
        s.client("sqs", config=CLIENT_CONFIG), env.require("DEAD_LETTER_QUEUE_URL"), records
    )


def sentiment_detector(session: Session | None = None) -> ComprehendSentiment:
    return ComprehendSentiment(session_or_default(session).client("comprehend", config=_AI_CLIENT_CONFIG))


def triager(env: FunctionEnvironment, session: Session | None = None) -> BedrockTriage:
    client = session_or_default(session).client("bedrock-runtime", config=_AI_CLIENT_CONFIG)
    return BedrockTriage(client, env.require("BEDROCK_MODEL_ID"))


def archive(env: FunctionEnvironment, session: Session | None = None) -> TicketArchive:
    return TicketArchive(
        session_or_default(session).client("s3", config=CLIENT_CONFIG.merge(_ARCHIVE_RETRIES)),
        env.require("BUCKET_NAME"),
    )


def descriptions(
    env: FunctionEnvironment, session: Session | None = None, config: Config = CLIENT_CONFIG
) -> S3Descriptions:
    """Where the trigger keeps a description too long to travel inline, and the archive writer reads it."""
    client = session_or_default(session).client("s3", config=config)
    return S3Descriptions(client, env.require("BUCKET_NAME"))

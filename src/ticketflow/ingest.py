"""Ingest: a Kinesis record becomes one Step Functions execution, or a rejection with its reason.

Bad input is never retried: it is recorded (REJECTED, with its reason) and the batch goes on. A ticket is
recorded RECEIVED before its execution starts, a batch's tickets in one write when they are all new (the
usual case: one call instead of one each), otherwise each on its own; a re-delivery (same id, same content)
starts nothing new, and another ticket reusing an id is REJECTED beside the first. Failures worth retrying
propagate.

A ticket past what AWS's calls downstream take (an id too long to name its execution, a field over the
model's bounds: ticketflow.limits) is invalid input like any other, REJECTED at once naming the limit; a
description too long to travel in the execution is carried instead (ticketflow.carriage, docs/limits.md).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from pydantic import ValidationError

from ticketflow import limits
from ticketflow.admission import Admission
from ticketflow.carriage import DescriptionStore, execution_input
from ticketflow.model import TICKET_ID_PATTERN, TicketSubmitted, validation_problems
from ticketflow.ticket_store import DUPLICATE_REASON, Arrival, TicketStore

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient

_TICKET_ID = re.compile(TICKET_ID_PATTERN)
# Records of one batch accepted at once (the trigger's threads, and the clients' connection pools). Each
# mostly waits on the network, so more than asyncio's default (cores + 4: 6 on two cores) can overlap.
START_CONCURRENCY = 32
# How long one batch's records may wait for admission; the trigger's timeout leaves room after it.
ADMISSION_WAIT_SECONDS = 40


class Outcome(StrEnum):
    STARTED = "started"
    ALREADY_STARTED = "already_started"
    REJECTED = "rejected"
    DEAD_LETTERED = "dead_lettered"


@dataclass(frozen=True)
class IntakeResult:
    outcome: Outcome
    ticket_id: str | None
    reason: str | None = None


class InvalidTicketError(ValueError):
    def __init__(self, reason: str, ticket_id: str | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.ticket_id = ticket_id


@dataclass(frozen=True)
class Arrived:
    """A valid ticket of a batch, and whether the batch's shared write already recorded it RECEIVED."""

    ticket: TicketSubmitted
    recorded: bool = False


# A batch's record after parsing: a ticket, or the reason it is not one.
Parsed = Arrived | InvalidTicketError


def parse_record(data: bytes) -> Parsed:
    try:
        return Arrived(parse_ticket(data))
    except InvalidTicketError as error:
        return error


def parse_ticket(data: bytes) -> TicketSubmitted:
    """The validated ticket, or InvalidTicketError with a reason a person can act on."""
    try:
        payload: Any = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise InvalidTicketError(
            f"record is not UTF-8: {error.reason} at byte {error.start}", None
        ) from error
    except json.JSONDecodeError as error:
        raise InvalidTicketError(f"record is not JSON: {error.msg} at char {error.pos}", None) from error
    ticket_id = _known_ticket_id(payload)
    try:
        return TicketSubmitted.model_validate(payload)
    except ValidationError as error:
        raise InvalidTicketError(_describe(error), ticket_id) from error


def _known_ticket_id(payload: Any) -> str | None:
    """The id the rejection of invalid input is recorded under: one shaped like a ticket id (a valid one or
    too long for an execution name), within what DynamoDB takes as a key; otherwise it is only logged."""
    candidate = payload.get("ticketId") if isinstance(payload, dict) else None
    if not (isinstance(candidate, str) and _TICKET_ID.match(candidate)):
        return None
    return candidate if len(candidate) <= limits.DYNAMODB_PARTITION_KEY_MAX_BYTES else None


def _describe(error: ValidationError) -> str:
    return "invalid ticket: " + validation_problems(error, "record")


class Intake:
    def __init__(
        self,
        sfn: SFNClient,
        state_machine_arn: str,
        store: TicketStore,
        *,
        descriptions: DescriptionStore,
        admission: Admission | None = None,
    ) -> None:
        self._sfn = sfn
        self._state_machine_arn = state_machine_arn
        self._store = store
        self._descriptions = descriptions
        self._admission = admission

    def receive(self, batch: Sequence[Parsed]) -> list[Parsed]:
        """Records the batch's tickets RECEIVED in one write (a transaction a hundred) where all are new: each
        comes back `recorded`. One ticket alone, or a transaction that failed, leaves `accept` to write them
        one by one, which also tells a re-delivery from another ticket reusing the id."""
        tickets = [parsed.ticket for parsed in batch if isinstance(parsed, Arrived)]
        if len(tickets) < 2:
            return list(batch)
        written = iter(self._store.record_all_received(tickets))
        return [
            Arrived(parsed.ticket, next(written)) if isinstance(parsed, Arrived) else parsed
            for parsed in batch
        ]

    def accept(self, parsed: Parsed, *, deadline: float = math.inf) -> IntakeResult:
        """`deadline` (the admission's clock) bounds the wait for a slot; past it NoCapacityError."""
        if isinstance(parsed, InvalidTicketError):
            if parsed.ticket_id is not None:
                self._store.record_rejection(parsed.ticket_id, parsed.reason)
            return IntakeResult(Outcome.REJECTED, parsed.ticket_id, parsed.reason)
        ticket = parsed.ticket
        if not parsed.recorded and self._store.record_received(ticket) is Arrival.DIFFERENT_TICKET:
            self._store.record_duplicate(ticket)
            return IntakeResult(Outcome.REJECTED, ticket.ticket_id, DUPLICATE_REASON)
        if self._admission is None:
            return self._start(ticket)
        self._admission.admit(ticket.ticket_id, deadline=deadline)
        try:
            result = self._start(ticket)
        except BaseException:
            self._admission.release(ticket.ticket_id)
            raise
        if result.outcome is not Outcome.STARTED:
            self._admission.release(ticket.ticket_id)
        return result

    def _start(self, ticket: TicketSubmitted) -> IntakeResult:
        carried = execution_input(ticket, self._descriptions)  # a long description is stored first
        try:
            self._sfn.start_execution(
                stateMachineArn=self._state_machine_arn, name=ticket.ticket_id, input=carried
            )
        except ClientError as error:
            # A re-delivered record: the execution named after the ticket already exists.
            if error.response["Error"]["Code"] == "ExecutionAlreadyExists":
                return IntakeResult(Outcome.ALREADY_STARTED, ticket.ticket_id)
            raise
        return IntakeResult(Outcome.STARTED, ticket.ticket_id)

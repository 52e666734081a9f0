"""Ingest: a record is recorded RECEIVED and starts one execution named after the ticket, or is rejected with
a reason (invalid, or another ticket reusing an id)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from tests.event_files import TICKET_SUBMITTED, load_event
from tests.largest_tickets import ticket_id
from tests.unit.fakes import FakeDescriptions
from ticketflow import carriage, limits
from ticketflow.admission import Admission, NoCapacityError
from ticketflow.ingest import Arrived, Intake, InvalidTicketError, Outcome, parse_record, parse_ticket
from ticketflow.model import TicketSubmitted
from ticketflow.ticket_store import DUPLICATE_REASON, Arrival

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient


STATE_MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:TicketFlow"
TICKET_ID = "TKT-20250115-0042"


class RecordingStore:
    """A TicketStore that answers arrivals with `arrival` and remembers every write, in order."""

    def __init__(self, arrival: Arrival = Arrival.NEW) -> None:
        self.arrival = arrival
        self.calls: list[tuple[str, str]] = []
        self.rejections: list[tuple[str, str]] = []

    def record_received(self, ticket: TicketSubmitted) -> Arrival:
        self.calls.append(("received", ticket.ticket_id))
        return self.arrival

    def record_all_received(self, tickets: Sequence[TicketSubmitted]) -> list[bool]:
        """Like one transaction: all written while every ticket is new, else none."""
        self.calls.extend(("received together", t.ticket_id) for t in tickets)
        return [self.arrival is Arrival.NEW] * len(tickets)

    def record_duplicate(self, ticket: TicketSubmitted) -> None:
        self.calls.append(("duplicate", ticket.ticket_id))

    def record_rejection(self, ticket_id: str, reason: str) -> None:
        self.calls.append(("rejection", ticket_id))
        self.rejections.append((ticket_id, reason))

    def final_ids(self, ticket_ids: Sequence[str]) -> set[str]:
        self.calls.extend(("final?", t) for t in ticket_ids)
        return set()


def _bytes(event: dict[str, Any]) -> bytes:
    return json.dumps(event).encode("utf-8")


def _started(execution_name: str) -> dict[str, Any]:
    return {"executionArn": f"{STATE_MACHINE_ARN}:{execution_name}", "startDate": "2025-01-15T09:30:01Z"}


def test_a_valid_ticket_starts_an_execution_named_after_it(sfn_client: SFNClient) -> None:
    # GIVEN a valid ticket and Step Functions that accepts it
    store = RecordingStore()
    expected = {"stateMachineArn": STATE_MACHINE_ARN, "name": TICKET_ID, "input": ANY}
    with Stubber(sfn_client) as stubber:
        stubber.add_response("start_execution", _started(TICKET_ID), expected)

        # WHEN the record is accepted
        result = Intake(sfn_client, STATE_MACHINE_ARN, store, descriptions=FakeDescriptions()).accept(
            parse_record(_bytes(load_event(TICKET_SUBMITTED)))
        )

        # THEN one execution was started after the ticket was recorded RECEIVED, and nothing was rejected
        stubber.assert_no_pending_responses()
    assert result.outcome is Outcome.STARTED
    assert result.ticket_id == TICKET_ID
    assert store.calls == [("received", TICKET_ID)]
    assert store.rejections == []


def test_the_execution_input_is_the_validated_event() -> None:
    # GIVEN a fake Step Functions client that keeps its calls
    calls: list[dict[str, Any]] = []

    class Sfn:
        def start_execution(self, **kwargs: Any) -> dict[str, Any]:
            calls.append(kwargs)
            return _started(kwargs["name"])

    event = load_event(TICKET_SUBMITTED)

    # WHEN the ticket is accepted
    Intake(Sfn(), STATE_MACHINE_ARN, RecordingStore(), descriptions=FakeDescriptions()).accept(  # type: ignore[arg-type]
        parse_record(_bytes(event))
    )

    # THEN the state machine's input is the event in its wire shape
    assert json.loads(calls[0]["input"]) == event


def test_an_existing_execution_counts_as_already_started(sfn_client: SFNClient) -> None:
    # GIVEN a re-delivered record (the store knows the same ticket) whose execution exists
    store = RecordingStore(Arrival.SAME_TICKET)
    with Stubber(sfn_client) as stubber:
        stubber.add_client_error("start_execution", "ExecutionAlreadyExists", "Execution Already Exists", 400)

        # WHEN it is accepted
        result = Intake(sfn_client, STATE_MACHINE_ARN, store, descriptions=FakeDescriptions()).accept(
            parse_record(_bytes(load_event(TICKET_SUBMITTED)))
        )

        # THEN the start was still asked for (a re-delivery after a failed start must start it)
        stubber.assert_no_pending_responses()
    # and it is a success, not a failure, with nothing rejected
    assert result.outcome is Outcome.ALREADY_STARTED
    assert result.ticket_id == TICKET_ID
    assert store.calls == [("received", TICKET_ID)]


def test_a_redelivery_whose_start_had_failed_starts_now(sfn_client: SFNClient) -> None:
    # GIVEN the same ticket recorded before, its execution never started (e.g. a replayed dead letter)
    store = RecordingStore(Arrival.SAME_TICKET)
    expected = {"stateMachineArn": STATE_MACHINE_ARN, "name": TICKET_ID, "input": ANY}
    with Stubber(sfn_client) as stubber:
        stubber.add_response("start_execution", _started(TICKET_ID), expected)

        # WHEN it is accepted
        result = Intake(sfn_client, STATE_MACHINE_ARN, store, descriptions=FakeDescriptions()).accept(
            parse_record(_bytes(load_event(TICKET_SUBMITTED)))
        )

        # THEN its execution starts
        stubber.assert_no_pending_responses()
    assert result.outcome is Outcome.STARTED


def test_another_ticket_reusing_an_id_is_rejected_as_a_duplicate(sfn_client: SFNClient) -> None:
    # GIVEN the id already belongs to a ticket of other content (no Step Functions call is stubbed)
    store = RecordingStore(Arrival.DIFFERENT_TICKET)

    # WHEN it is accepted
    with Stubber(sfn_client) as stubber:
        result = Intake(sfn_client, STATE_MACHINE_ARN, store, descriptions=FakeDescriptions()).accept(
            parse_record(_bytes(load_event(TICKET_SUBMITTED)))
        )

        # THEN nothing starts; the duplicate is recorded (beside the original) and the reason says why
        stubber.assert_no_pending_responses()
    assert result.outcome is Outcome.REJECTED
    assert result.ticket_id == TICKET_ID
    assert result.reason == DUPLICATE_REASON
    assert store.calls == [("received", TICKET_ID), ("duplicate", TICKET_ID)]
    assert store.rejections == []


def test_a_failed_store_write_propagates_before_anything_starts() -> None:
    # GIVEN a store that cannot record the arrival
    class FailingStore(RecordingStore):
        def record_received(self, ticket: TicketSubmitted) -> Arrival:
            self.calls.append(("received", ticket.ticket_id))
            raise ClientError({"Error": {"Code": "InternalServerError", "Message": "x"}}, "PutItem")

    store = FailingStore()

    # WHEN / THEN the error reaches the caller (who dead-letters the record); Step Functions is never touched
    with pytest.raises(ClientError, match="InternalServerError"):
        Intake(None, STATE_MACHINE_ARN, store, descriptions=FakeDescriptions()).accept(  # type: ignore[arg-type]
            parse_record(_bytes(load_event(TICKET_SUBMITTED)))
        )
    assert store.calls == [("received", TICKET_ID)]


def test_a_throttled_start_propagates_for_a_retry(sfn_client: SFNClient) -> None:
    # GIVEN Step Functions throttling
    store = RecordingStore()
    with Stubber(sfn_client) as stubber:
        stubber.add_client_error("start_execution", "ThrottlingException", "Rate exceeded", 400)

        # WHEN / THEN the error reaches the caller (the trigger dead-letters the record); the ticket stays
        # RECEIVED, nothing is rejected
        with pytest.raises(ClientError, match="ThrottlingException"):
            Intake(sfn_client, STATE_MACHINE_ARN, store, descriptions=FakeDescriptions()).accept(
                parse_record(_bytes(load_event(TICKET_SUBMITTED)))
            )
    assert store.calls == [("received", TICKET_ID)]


def test_an_invalid_ticket_with_a_known_id_is_recorded_as_rejected(sfn_client: SFNClient) -> None:
    # GIVEN a ticket with a good id and a bad email (no Step Functions call is stubbed)
    event = load_event(TICKET_SUBMITTED)
    event["data"]["customer_contact_information"]["email"] = "maria-at-northwind"
    store = RecordingStore()

    # WHEN it is accepted
    with Stubber(sfn_client):
        result = Intake(sfn_client, STATE_MACHINE_ARN, store, descriptions=FakeDescriptions()).accept(
            parse_record(_bytes(event))
        )

    # THEN rejected, stored under its id with a reason naming the field but not its value; never RECEIVED
    assert result.outcome is Outcome.REJECTED
    assert result.ticket_id == TICKET_ID
    assert store.rejections == [(TICKET_ID, result.reason)]
    assert store.calls == [("rejection", TICKET_ID)]
    assert result.reason is not None
    assert "data.customer_contact_information.email" in result.reason
    assert "maria-at-northwind" not in result.reason


def test_an_invalid_ticket_without_a_usable_id_is_rejected_but_not_stored() -> None:
    # GIVEN a ticket whose id is malformed
    event = load_event(TICKET_SUBMITTED) | {"ticketId": "12345"}
    store = RecordingStore()

    # WHEN it is accepted (the Step Functions client is never touched)
    result = Intake(None, STATE_MACHINE_ARN, store, descriptions=FakeDescriptions()).accept(  # type: ignore[arg-type]
        parse_record(_bytes(event))
    )

    # THEN rejected with no id: there is no item to write
    assert result.outcome is Outcome.REJECTED
    assert result.ticket_id is None
    assert "ticketId" in (result.reason or "")
    assert store.calls == []


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\xff\xfe not utf-8", "record is not UTF-8"),
        (b"{not json", "record is not JSON"),
        (b"[1, 2]", "record: Input should be a valid dictionary"),
        (b'{"eventName": "TicketSubmitted"}', "ticketId: Field required"),
    ],
)
def test_unreadable_records_get_a_reason(data: bytes, reason: str) -> None:
    # GIVEN a record that is not a ticket
    # WHEN it is parsed
    with pytest.raises(InvalidTicketError) as raised:
        parse_ticket(data)

    # THEN the reason says what is wrong and no ticket id is claimed
    assert reason in raised.value.reason
    assert raised.value.ticket_id is None


def test_every_problem_is_listed_in_one_reason() -> None:
    # GIVEN a ticket with two problems
    event = load_event(TICKET_SUBMITTED)
    event["data"]["subject"] = ""
    del event["data"]["product_issue_information"]["product"]

    # WHEN it is parsed
    with pytest.raises(InvalidTicketError) as raised:
        parse_ticket(json.dumps(event).encode())

    # THEN both are named
    assert raised.value.reason.startswith("invalid ticket: ")
    assert "data.subject" in raised.value.reason
    assert "data.product_issue_information.product: Field required" in raised.value.reason
    assert raised.value.ticket_id == TICKET_ID


def test_an_admitted_start_holds_its_slot_and_a_redelivery_gives_its_back(sfn_client: SFNClient) -> None:
    # GIVEN room for one execution, and a ticket whose execution already exists (a re-delivery)
    admission = Admission(1, lambda _: set())
    intake = Intake(
        sfn_client,
        STATE_MACHINE_ARN,
        RecordingStore(Arrival.SAME_TICKET),
        descriptions=FakeDescriptions(),
        admission=admission,
    )
    with Stubber(sfn_client) as stubber:
        stubber.add_client_error("start_execution", "ExecutionAlreadyExists", "Execution Already Exists", 400)
        stubber.add_response("start_execution", _started(TICKET_ID))

        # WHEN it is accepted, then accepted again with its execution started this time
        first = intake.accept(parse_record(_bytes(load_event(TICKET_SUBMITTED))), deadline=1e18)
        second = intake.accept(parse_record(_bytes(load_event(TICKET_SUBMITTED))), deadline=1e18)

    # THEN the re-delivery freed its slot, and the started execution holds it
    assert (first.outcome, second.outcome) == (Outcome.ALREADY_STARTED, Outcome.STARTED)
    assert admission.in_flight == 1


def test_a_full_admission_at_its_deadline_refuses_before_any_start(sfn_client: SFNClient) -> None:
    # GIVEN room for one, held by another ticket that never finishes, and a deadline already past
    admission = Admission(1, lambda _: set(), poll_seconds=0.0)
    admission.admit("TKT-20250115-0001", deadline=1e18)
    intake = Intake(
        sfn_client, STATE_MACHINE_ARN, RecordingStore(), descriptions=FakeDescriptions(), admission=admission
    )

    # WHEN / THEN the ticket is refused (the mapping will hand the record on again), nothing started
    with Stubber(sfn_client), pytest.raises(NoCapacityError):
        intake.accept(parse_record(_bytes(load_event(TICKET_SUBMITTED))), deadline=0)


def _records(*ticket_ids: str) -> list[bytes]:
    return [_bytes(load_event(TICKET_SUBMITTED) | {"ticketId": ticket_id}) for ticket_id in ticket_ids]


class StartingSfn:
    def __init__(self) -> None:
        self.names: list[str] = []

    def start_execution(self, **kwargs: Any) -> dict[str, Any]:
        self.names.append(kwargs["name"])
        return _started(kwargs["name"])


def test_a_batch_of_new_tickets_is_recorded_received_in_one_write_and_then_started() -> None:
    # GIVEN a batch of two new tickets with invalid input between them
    store, sfn = RecordingStore(), StartingSfn()
    intake = Intake(sfn, STATE_MACHINE_ARN, store, descriptions=FakeDescriptions())  # type: ignore[arg-type]
    first, second = _records("TKT-20250115-0001", "TKT-20250115-0002")

    # WHEN the batch is received, then each record accepted
    parsed = intake.receive([parse_record(first), parse_record(b"{}"), parse_record(second)])
    results = [intake.accept(p) for p in parsed]

    # THEN one shared write recorded both tickets (no write of their own), both started, the input rejected
    assert store.calls == [
        ("received together", "TKT-20250115-0001"),
        ("received together", "TKT-20250115-0002"),
    ]
    assert [r.outcome for r in results] == [Outcome.STARTED, Outcome.REJECTED, Outcome.STARTED]
    assert sfn.names == ["TKT-20250115-0001", "TKT-20250115-0002"]
    assert [p.recorded for p in parsed if isinstance(p, Arrived)] == [True, True]


def test_a_batch_the_shared_write_left_out_is_recorded_one_by_one() -> None:
    # GIVEN a batch whose tickets are not all new (the store's transaction writes none of them)
    store, sfn = RecordingStore(Arrival.SAME_TICKET), StartingSfn()
    intake = Intake(sfn, STATE_MACHINE_ARN, store, descriptions=FakeDescriptions())  # type: ignore[arg-type]

    # WHEN it is received and accepted
    parsed = intake.receive([parse_record(r) for r in _records("TKT-20250115-0001", "TKT-20250115-0002")])
    results = [intake.accept(p) for p in parsed]

    # THEN each ticket was then written on its own, which tells the re-deliveries apart: nothing new started
    assert store.calls[2:] == [("received", "TKT-20250115-0001"), ("received", "TKT-20250115-0002")]
    assert [r.outcome for r in results] == [Outcome.STARTED, Outcome.STARTED]


def test_a_single_ticket_gets_no_shared_write() -> None:
    # GIVEN a batch of one ticket
    store = RecordingStore()
    intake = Intake(StartingSfn(), STATE_MACHINE_ARN, store, descriptions=FakeDescriptions())  # type: ignore[arg-type]

    # WHEN it is received and accepted
    [parsed] = intake.receive([parse_record(r) for r in _records(TICKET_ID)])
    intake.accept(parsed)

    # THEN its own conditional write is the one call (a transaction of one would cost the same)
    assert store.calls == [("received", TICKET_ID)]


class KeptSfn:
    """A Step Functions fake that keeps every StartExecution's arguments and starts it."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def start_execution(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        return _started(kwargs["name"])


def test_a_ticket_id_of_64_characters_names_its_execution() -> None:
    # GIVEN a ticket whose id is as long as the model allows (the warehouse's key; an execution name takes 80)
    long_id = ticket_id(limits.TICKET_ID_MAX_CHARS)
    sfn, store = KeptSfn(), RecordingStore()

    # WHEN it is accepted
    result = Intake(sfn, STATE_MACHINE_ARN, store, descriptions=FakeDescriptions()).accept(  # type: ignore[arg-type]
        parse_record(_bytes(load_event(TICKET_SUBMITTED) | {"ticketId": long_id}))
    )

    # THEN it started, named after the ticket
    assert result.outcome is Outcome.STARTED
    assert [call["name"] for call in sfn.calls] == [long_id]


def test_a_ticket_id_of_65_characters_is_rejected_under_its_id_naming_the_limit() -> None:
    # GIVEN a well-formed ticket id one character longer than the model allows
    long_id = ticket_id(limits.TICKET_ID_MAX_CHARS + 1)
    sfn, store = KeptSfn(), RecordingStore()

    # WHEN it is accepted
    result = Intake(sfn, STATE_MACHINE_ARN, store, descriptions=FakeDescriptions()).accept(  # type: ignore[arg-type]
        parse_record(_bytes(load_event(TICKET_SUBMITTED) | {"ticketId": long_id}))
    )

    # THEN nothing starts; it is recorded REJECTED under its id, the reason naming the limit
    assert result.outcome is Outcome.REJECTED
    assert sfn.calls == []
    assert store.rejections == [(long_id, result.reason)]
    assert result.reason == (
        "invalid ticket: ticketId: 65 characters, over the 64 of the warehouse's ticket_id (Redshift"
        " VARCHAR(64); the id also names the execution)"
    )


@pytest.mark.parametrize(
    ("length", "recorded"),
    [(limits.DYNAMODB_PARTITION_KEY_MAX_BYTES, True), (limits.DYNAMODB_PARTITION_KEY_MAX_BYTES + 1, False)],
)
def test_an_id_too_long_for_a_key_is_rejected_without_an_item(length: int, recorded: bool) -> None:
    # GIVEN a ticket-shaped id as long as a DynamoDB key may be, and one byte longer
    long_id = ticket_id(length)
    store = RecordingStore()

    # WHEN it is accepted
    result = Intake(None, STATE_MACHINE_ARN, store, descriptions=FakeDescriptions()).accept(  # type: ignore[arg-type]
        parse_record(_bytes(load_event(TICKET_SUBMITTED) | {"ticketId": long_id}))
    )

    # THEN both are rejected naming the limit; only the first can be recorded (DynamoDB would refuse the key)
    assert result.outcome is Outcome.REJECTED
    assert "over the 64 of the warehouse's ticket_id" in (result.reason or "")
    assert store.rejections == ([(long_id, result.reason)] if recorded else [])


def test_a_long_description_is_stored_before_the_start_and_travels_as_its_opening() -> None:
    # GIVEN a ticket with a pasted log too long to travel inline
    event = load_event(TICKET_SUBMITTED)
    event["data"]["description"] = "ERROR timeout while calling the payments API\n" * 4_000
    sfn, descriptions = KeptSfn(), FakeDescriptions()

    # WHEN it is accepted
    result = Intake(sfn, STATE_MACHINE_ARN, RecordingStore(), descriptions=descriptions).accept(  # type: ignore[arg-type]
        parse_record(_bytes(event))
    )

    # THEN the whole text is in the store, and the execution's input names it beside the opening
    assert result.outcome is Outcome.STARTED
    [(key, text)] = descriptions.objects.items()
    assert text == event["data"]["description"].strip()
    sent = json.loads(sfn.calls[0]["input"])
    assert sent["data"][carriage.POINTER] == key
    assert len(sfn.calls[0]["input"]) <= limits.SFN_PAYLOAD_MAX_BYTES

"""`ticketflow tickets show | list` on a stubbed table: tables and --json, and clear errors (exit 1)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from botocore.stub import Stubber
from typer.testing import CliRunner

from ticketflow_dev.cli import common, tickets
from ticketflow_infra.outputs import OutputsNotFoundError, StackOutputs

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


TABLE = "tickets-table"
WIDE = {"COLUMNS": "250"}  # Rich tables at full width, so no cell is cut


def _item(ticket_id: str, status: str, **extra: dict[str, Any]) -> dict[str, Any]:
    return {"ticket_id": {"S": ticket_id}, "status": {"S": status}} | extra


def _history(*entries: tuple[str, str, str | None]) -> dict[str, Any]:
    def entry(status: str, at: str, reason: str | None) -> dict[str, Any]:
        fields = {"status": {"S": status}, "at": {"S": at}}
        return {"M": fields | ({"reason": {"S": reason}} if reason else {})}

    return {"L": [entry(*e) for e in entries]}


RESPONDED = _item(
    "TKT-20250115-0042",
    "RESPONDED",
    status_at={"S": "2025-01-15T09:30:09.000Z"},
    received_at={"S": "2025-01-15T09:30:01.000Z"},
    processing_at={"S": "2025-01-15T09:30:02.000Z"},
    responded_at={"S": "2025-01-15T09:30:09.000Z"},
    priority={"S": "CRITICAL"},
    sentiment={"S": "NEGATIVE"},
    sentiment_score_negative={"N": "0.93"},
    history=_history(
        ("RECEIVED", "2025-01-15T09:30:01.000Z", None),
        ("PROCESSING", "2025-01-15T09:30:02.000Z", None),
        ("RESPONDED", "2025-01-15T09:30:09.000Z", None),
    ),
)
FAILED = _item(
    "TKT-20250115-0043",
    "FAILED",
    status_at={"S": "2025-01-15T09:31:00.000Z"},
    failed_at={"S": "2025-01-15T09:31:00.000Z"},
    status_reason={"S": "InvalidModelOutputError: the reply does not quote the ticket id"},
    priority={"S": "LOW"},  # left by a step that ran before the failure: not a RESPONDED ticket's triage
    history=_history(
        ("RECEIVED", "2025-01-15T09:30:58.000Z", None),
        ("PROCESSING", "2025-01-15T09:30:59.000Z", None),
        (
            "FAILED",
            "2025-01-15T09:31:00.000Z",
            "InvalidModelOutputError: the reply does not quote the ticket id",
        ),
    ),
)


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch, dynamodb_client: DynamoDBClient) -> Stubber:
    """The commands' table is the stubbed client's (no stack outputs, no network)."""
    monkeypatch.setattr(tickets, "ticket_table", lambda: (dynamodb_client, TABLE))
    return Stubber(dynamodb_client)


def test_show_prints_status_reason_timestamps_and_history(table: Stubber) -> None:
    # GIVEN a FAILED ticket
    table.add_response("get_item", {"Item": FAILED})

    # WHEN it is shown
    with table:
        result = CliRunner().invoke(tickets.app, ["show", "TKT-20250115-0043"], env=WIDE)

    # THEN its status, reason, timestamps and each transition; no triage (it did not respond)
    assert result.exit_code == 0, result.output
    for text in ("FAILED", "InvalidModelOutputError: the reply does not quote the ticket id", "failed_at"):
        assert text in result.stdout
    assert result.stdout.count("2025-01-15T09:31:00.000Z") == 3  # status_at, failed_at, the FAILED entry
    assert "2025-01-15T09:30:58.000Z" in result.stdout
    assert "PROCESSING" in result.stdout
    assert "priority" not in result.stdout


def test_show_adds_priority_and_sentiment_once_responded(table: Stubber) -> None:
    # GIVEN a RESPONDED ticket
    table.add_response("get_item", {"Item": RESPONDED})

    # WHEN it is shown
    with table:
        result = CliRunner().invoke(tickets.app, ["show", "TKT-20250115-0042"], env=WIDE)

    # THEN its triage is shown too
    assert result.exit_code == 0, result.output
    assert "CRITICAL" in result.stdout
    assert "NEGATIVE" in result.stdout
    assert "responded_at" in result.stdout


def test_show_json_prints_the_item_as_plain_json(table: Stubber) -> None:
    # GIVEN a RESPONDED ticket
    table.add_response("get_item", {"Item": RESPONDED})

    # WHEN it is shown as JSON
    with table:
        result = CliRunner().invoke(tickets.app, ["show", "TKT-20250115-0042", "--json"])

    # THEN stdout is the item as plain JSON
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["priority"] == "CRITICAL"
    assert shown["sentiment_score_negative"] == 0.93
    assert [entry["status"] for entry in shown["history"]] == ["RECEIVED", "PROCESSING", "RESPONDED"]


def test_show_an_unknown_id_fails_clearly(table: Stubber) -> None:
    # GIVEN a table without the id
    table.add_response("get_item", {})

    # WHEN it is shown
    with table:
        result = CliRunner().invoke(tickets.app, ["show", "TKT-20250115-9999"])

    # THEN exit 1 with the id named, nothing on stdout
    assert result.exit_code == 1
    assert "no ticket 'TKT-20250115-9999'" in result.output
    assert result.stdout == ""


def test_show_a_table_error_fails_clearly(table: Stubber) -> None:
    # GIVEN a table that refuses the read
    table.add_client_error("get_item", "ResourceNotFoundException", "Requested resource not found")

    # WHEN / THEN
    with table:
        result = CliRunner().invoke(tickets.app, ["show", "TKT-20250115-0042"])
    assert result.exit_code == 1
    assert f"cannot read table {TABLE}" in result.output


def test_list_queries_the_status_index_newest_first(table: Stubber) -> None:
    # GIVEN the by-status index with one FAILED ticket
    expected = {
        "TableName": TABLE,
        "IndexName": "by-status",
        "KeyConditionExpression": "#status = :status",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": {":status": {"S": "FAILED"}},
        "ScanIndexForward": False,
        "Limit": 5,
    }
    table.add_response("query", {"Items": [FAILED]}, expected)

    # WHEN FAILED tickets are listed (the status in any case)
    with table:
        result = CliRunner().invoke(tickets.app, ["list", "--status", "failed", "--limit", "5"], env=WIDE)

        table.assert_no_pending_responses()

    # THEN the ticket with its reason
    assert result.exit_code == 0, result.output
    assert "1 FAILED ticket(s), newest first" in result.stdout
    assert "TKT-20250115-0043" in result.stdout
    assert "the reply does not quote the ticket id" in result.stdout


def test_list_json_prints_the_items(table: Stubber) -> None:
    # GIVEN two RESPONDED tickets
    table.add_response("query", {"Items": [RESPONDED, RESPONDED | {"ticket_id": {"S": "TKT-20250115-0044"}}]})

    # WHEN listed as JSON
    with table:
        result = CliRunner().invoke(tickets.app, ["list", "--status", "RESPONDED", "--json"])

    # THEN a JSON array of the items, in the index's order
    assert result.exit_code == 0, result.output
    assert [item["ticket_id"] for item in json.loads(result.stdout)] == [
        "TKT-20250115-0042",
        "TKT-20250115-0044",
    ]


def test_list_a_bad_status_fails_before_any_call(table: Stubber) -> None:
    # GIVEN nothing stubbed (a call would fail the test)
    # WHEN an unknown status is asked for
    with table:
        result = CliRunner().invoke(tickets.app, ["list", "--status", "DONE"])

    # THEN exit 1, naming the statuses there are
    assert result.exit_code == 1
    assert "unknown status 'DONE'" in result.output
    assert "RECEIVED, PROCESSING, RESPONDED, FAILED, REJECTED" in " ".join(result.output.split())


def test_the_table_comes_from_the_stack_outputs(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the stack outputs in the environment
    values = {key: f"{key}-value" for key in StackOutputs.keys()}  # noqa: SIM118 (a classmethod, not dict.keys)
    for name, value in StackOutputs.model_validate(values).as_env().items():
        monkeypatch.setenv(name, value)

    # WHEN the commands' table is resolved
    client, table_name = tickets.ticket_table()

    # THEN it is the TableName output, reached with a DynamoDB client
    assert table_name == "TableName-value"
    assert client.meta.service_model.service_name == "dynamodb"


def test_no_deployed_stack_fails_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN no stack outputs anywhere
    def not_deployed(*_: object) -> StackOutputs:
        raise OutputsNotFoundError("stack Ticketflow is not deployed (no outputs.json): deploy it first")

    monkeypatch.setattr(common, "stack_outputs", not_deployed)

    # WHEN a ticket is shown
    result = CliRunner().invoke(tickets.app, ["show", "TKT-20250115-0042"])

    # THEN exit 1 with the reason
    assert result.exit_code == 1
    assert "deploy it first" in result.output

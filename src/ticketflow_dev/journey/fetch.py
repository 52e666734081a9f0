"""Reads what each service kept about one ticket: the table's item, the stream's record, the execution's
history, the functions' log lines, the archive object and the warehouse row. The same APIs locally and on
AWS; what cannot be read becomes a gap, in words, and the trace goes on."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import psycopg
from botocore.exceptions import BotoCoreError, ClientError

from ticketflow.model import archive_key
from ticketflow_dev.core.aws import Clients
from ticketflow_dev.journey.evidence import ArchiveObject, Evidence, LogEvent, StreamRecord
from ticketflow_dev.journey.log_lines import stream_position, ticket_lines
from ticketflow_dev.journey.timeline import parse_time
from ticketflow_dev.stack.functions import deployed_functions
from ticketflow_dev.tickets.queries import TicketNotFoundError, get_ticket
from ticketflow_etl.postgres import PostgresWarehouse
from ticketflow_infra.outputs import StackOutputs
from ticketflow_infra.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_kinesis.type_defs import RecordTypeDef
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_logs.type_defs import FilteredLogEventTypeDef
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_stepfunctions import SFNClient

T = TypeVar("T")
_SCAN_CALLS = 20  # GetRecords calls per shard when the trigger's log line does not give the position
_LOG_SLACK = timedelta(minutes=5)  # logs are searched from this long before the ticket's first write


class _Gaps(list[str]):
    def attempt(self, what: str, read: Callable[[], T]) -> T | None:
        """`read()`, or None with a gap naming what could not be read and the error."""
        try:
            return read()
        except (BotoCoreError, ClientError, psycopg.Error) as error:
            self.append(f"{what}: {error}")
            return None


def _execution_arn(outputs: StackOutputs, ticket_id: str, item: dict[str, Any] | None) -> str:
    """The item's own (MarkProcessing records it), else the one named after the ticket."""
    recorded = (item or {}).get("execution_arn")
    prefix = outputs.state_machine_arn.replace(":stateMachine:", ":execution:", 1)
    return str(recorded) if recorded else f"{prefix}:{ticket_id}"


def _history(sfn: SFNClient, arn: str) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    try:
        pages = sfn.get_paginator("get_execution_history").paginate(executionArn=arn)
        # As plain dicts: the history module reads the events by name, as the tests' fixtures give them.
        events: list[dict[str, Any]] = [dict(event) for page in pages for event in page["events"]]
    except sfn.exceptions.ExecutionDoesNotExist:
        return [], None
    definition = json.loads(sfn.describe_state_machine_for_execution(executionArn=arn)["definition"])
    return events, definition


def _filter(
    logs: CloudWatchLogsClient, group: str, pattern: str, since: datetime | None
) -> Iterator[FilteredLogEventTypeDef]:
    kwargs: dict[str, Any] = {"logGroupName": group, "filterPattern": f'"{pattern}"'}
    if since is not None:
        kwargs["startTime"] = int(since.timestamp() * 1000)
    for page in logs.get_paginator("filter_log_events").paginate(**kwargs):
        yield from page["events"]


def _log_events(
    clients: Clients, settings: Settings, outputs: StackOutputs, ticket_id: str, since: datetime | None
) -> list[LogEvent]:
    """Each function's lines naming the ticket, and the lines of the requests that wrote them (REPORT)."""
    logs = clients("logs")
    found: list[LogEvent] = []
    for function in deployed_functions(clients("cloudformation"), clients("lambda"), settings.stack_name):
        if function.log_group is None:
            continue
        is_trigger = function.name == outputs.trigger_function_name
        service = "trigger" if is_trigger else f"lambda:{function.folder or function.name}"

        def events(pattern: str, group: str = function.log_group, label: str = service) -> list[LogEvent]:
            return [
                LogEvent(label, group, datetime.fromtimestamp(e["timestamp"] / 1000, UTC), e["message"])
                for e in _filter(logs, group, pattern, since)
            ]

        named = events(ticket_id)
        requests = dict.fromkeys(
            line.request_id for line in ticket_lines(ticket_id, named) if line.request_id
        )
        found += named
        for request_id in requests:
            found += [e for e in events(request_id) if e.message.startswith(("START", "END", "REPORT"))]
    return found


def _record(shard: str, raw: RecordTypeDef) -> StreamRecord:
    arrived = raw["ApproximateArrivalTimestamp"].astimezone(UTC)
    return StreamRecord(raw["SequenceNumber"], shard, raw["PartitionKey"], arrived, len(raw["Data"]))


def _at_position(
    kinesis: KinesisClient, stream: str, shards: list[str], ticket_id: str, position: tuple[str, str | None]
) -> StreamRecord | None:
    sequence, logged_shard = position
    for shard in [s for s in shards if logged_shard in (None, s)]:
        iterator = kinesis.get_shard_iterator(
            StreamName=stream,
            ShardId=shard,
            StartingSequenceNumber=sequence,
            ShardIteratorType="AT_SEQUENCE_NUMBER",
        )["ShardIterator"]
        records = kinesis.get_records(ShardIterator=iterator, Limit=1)["Records"]
        if records and records[0]["PartitionKey"] == ticket_id:
            return _record(shard, records[0])
    return None


def _scan(
    kinesis: KinesisClient, stream: str, shards: list[str], ticket_id: str, since: datetime
) -> StreamRecord | None:
    for shard in shards:
        iterator = kinesis.get_shard_iterator(
            StreamName=stream, ShardId=shard, Timestamp=since, ShardIteratorType="AT_TIMESTAMP"
        )["ShardIterator"]
        for _ in range(_SCAN_CALLS):
            page = kinesis.get_records(ShardIterator=iterator, Limit=1000)
            found = next((r for r in page["Records"] if r["PartitionKey"] == ticket_id), None)
            if found is not None:
                return _record(shard, found)
            iterator = page.get("NextShardIterator")
            if not iterator or not page["Records"]:
                break
    return None


def _stream_record(
    kinesis: KinesisClient,
    stream: str,
    ticket_id: str,
    position: tuple[str, str | None] | None,
    since: datetime | None,
) -> StreamRecord | None:
    """The record at the position the trigger logged; without one, a bounded scan of each shard from
    `since` (the first write to the table, less a margin)."""
    shards = [s["ShardId"] for s in kinesis.list_shards(StreamName=stream)["Shards"]]
    if position is not None:
        return _at_position(kinesis, stream, shards, ticket_id, position)
    return _scan(kinesis, stream, shards, ticket_id, since) if since is not None else None


def _item(clients: Clients, outputs: StackOutputs, ticket_id: str) -> dict[str, Any] | None:
    try:
        return get_ticket(clients("dynamodb"), outputs.table_name, ticket_id)
    except TicketNotFoundError:
        return None


def _archive(s3: S3Client, bucket: str, item: dict[str, Any]) -> ArchiveObject | None:
    if "submitted_at" not in item:  # no item, or REJECTED: the ticket never validated, nothing is archived
        return None
    key = archive_key(item["ticket_id"], parse_time(item["submitted_at"]))
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return ArchiveObject(
        key, head["ETag"].strip('"'), head["ContentLength"], head["LastModified"].astimezone(UTC)
    )


def _warehouse_row(settings: Settings, ticket_id: str) -> dict[str, Any] | None:
    with PostgresWarehouse.connect(settings.warehouse_url) as warehouse:
        try:
            return warehouse.loaded(ticket_id)
        except psycopg.errors.UndefinedTable:  # the ETL has never run: nothing is loaded
            return None


def _first_write(item: dict[str, Any] | None) -> datetime | None:
    if not item:
        return None
    history = item.get("history") or [{"at": item["status_at"]}]
    return parse_time(history[0]["at"])


def gather(clients: Clients, outputs: StackOutputs, settings: Settings, ticket_id: str) -> Evidence:
    """Every piece any service kept about the ticket; what failed to read is a gap."""
    gaps = _Gaps()
    item = gaps.attempt("ticket table", lambda: _item(clients, outputs, ticket_id))
    first = _first_write(item)
    arn = _execution_arn(outputs, ticket_id, item)
    history, definition = gaps.attempt(
        "execution history", lambda: _history(clients("stepfunctions"), arn)
    ) or ([], None)
    search_from = first - _LOG_SLACK if first else None
    log_events = (
        gaps.attempt("function logs", lambda: _log_events(clients, settings, outputs, ticket_id, search_from))
        or []
    )
    position = stream_position(ticket_lines(ticket_id, log_events))
    scan_from = first - timedelta(seconds=30) if first else None
    record = gaps.attempt(
        "stream",
        lambda: _stream_record(clients("kinesis"), outputs.stream_name, ticket_id, position, scan_from),
    )
    archive = gaps.attempt("archive object", lambda: _archive(clients("s3"), outputs.bucket_name, item or {}))
    if settings.profile == "aws":
        row = None
        gaps.append("warehouse: Redshift is not queried by a trace; look for the ticket in processed_tickets")
    else:
        row = gaps.attempt("warehouse", lambda: _warehouse_row(settings, ticket_id))
    return Evidence(
        ticket_id,
        item,
        record,
        history,
        definition,
        arn if history else None,
        log_events,
        archive,
        row,
        list(gaps),
    )

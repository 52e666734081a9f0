"""The console's reads of the running stack, each bounded: a fixed number of requests with a cap on what each
returns, so a refresh costs the same with 50 tickets in the table or 50,000 (the emulator serves every API
on one event loop, and a benchmark may be sharing it).

Each read returns plain data for `snapshot` to shape; the poller calls them (`fast` ones every tick, `slow`
ones every few), and a read that fails becomes that section's error, never the whole page's.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ticketflow.ticket_store import Status
from ticketflow_dev.console import snapshot
from ticketflow_dev.faults import fake_bedrock_admin
from ticketflow_dev.faults.aws_api import AwsFaultError, FaultProxy
from ticketflow_dev.journey import trace_ticket
from ticketflow_dev.tickets.dead_letter_inbox import CarriedRecords, DeadLetterInbox, describe, peek
from ticketflow_dev.tickets.queries import TicketNotFoundError, count_by_status, get_ticket, list_by_status
from ticketflow_etl.postgres import processed_rows

if TYPE_CHECKING:
    from ticketflow_dev.core.aws import Clients
    from ticketflow_infra.outputs import StackOutputs
    from ticketflow_infra.settings import Settings

RECENT_PER_STATUS = 25  # the recent list: the newest of each status, merged
COUNT_CAP = 10_000  # per status; beyond it the page shows "10000+"
EXECUTIONS_CAP = 1000  # running executions counted (one page of ListExecutions)
ARCHIVE_CAP = 1000  # archive objects counted (one page of ListObjectsV2)
LETTERS_SHOWN = 20
ALARMS_SHOWN = 20
RECENT_ATTRIBUTES = (
    "ticket_id", "status", "status_at", "status_reason", "priority", "sentiment", "product", "issue_type",
    "submitted_at", "processed_at",
)  # fmt: skip
WAREHOUSE_TIMEOUT_S = 2


@dataclass
class Cost:
    """What one round of reads cost: AWS requests made, and seconds spent, by section."""

    requests: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


class StackReader:
    def __init__(
        self, clients: Clients, outputs: StackOutputs, settings: Settings, letters_lock: threading.Lock
    ) -> None:
        self._clients = clients
        self._outputs = outputs
        self._settings = settings
        self._letters_lock = letters_lock  # shared with the replay: a peek must not hide a letter from it
        self.cost = Cost()
        clients.on_each_call(self._count)  # every request of a round counts in `cost`

    def fast(self) -> dict[str, Callable[[], Any]]:
        """What changes from one ticket to the next: read every tick."""
        return {
            "recent": self.recent,
            "running": self.running_executions,
            "dead_letters": self.dead_letters,
        }

    def slow(self) -> dict[str, Callable[[], Any]]:
        """Totals and settings: read every few ticks."""
        return {
            "counts": self.status_counts,
            "alarms": self.alarms,
            "stream": self.stream,
            "archive": self.archive_objects,
            "warehouse": self.warehouse_rows,
            "etl": self.etl_report,
            "faults": self.faults,
            "steps": self.state_machine_steps,
        }

    def _count(self, **_: Any) -> None:
        self.cost.requests += 1

    def timed(self, name: str, read: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        try:
            return read()
        finally:
            self.cost.seconds[name] = round(time.perf_counter() - started, 4)

    def recent(self) -> dict[str, list[dict[str, Any]]]:
        dynamodb, table = self._clients("dynamodb"), self._outputs.table_name
        return {
            status.value: list_by_status(
                dynamodb, table, status, limit=RECENT_PER_STATUS, attributes=RECENT_ATTRIBUTES
            )
            for status in Status
        }

    def status_counts(self) -> dict[str, tuple[int, bool]]:
        dynamodb, table = self._clients("dynamodb"), self._outputs.table_name
        return {status.value: count_by_status(dynamodb, table, status, cap=COUNT_CAP) for status in Status}

    def running_executions(self) -> tuple[int, bool]:
        response = self._clients("stepfunctions").list_executions(
            stateMachineArn=self._outputs.state_machine_arn, statusFilter="RUNNING", maxResults=EXECUTIONS_CAP
        )
        return len(response["executions"]), "nextToken" in response

    def dead_letters(self) -> dict[str, Any]:
        """The queue's depth; its first letters only when it holds any (a peek receives, then releases)."""
        sqs, url = self._clients("sqs"), self._outputs.dead_letter_queue_url
        attributes = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        visible = int(attributes["ApproximateNumberOfMessages"])
        in_flight = int(attributes["ApproximateNumberOfMessagesNotVisible"])
        letters: list[dict[str, Any]] = []
        if visible:
            with self._letters_lock:
                # Short polling: a glimpse every tick, not a second's wait for the end of the queue (on AWS
                # it may show fewer letters than there are; the depth above is exact).
                received, _ = peek(DeadLetterInbox(sqs, url), limit=LETTERS_SHOWN, wait_seconds=0)
            records = CarriedRecords(self._clients("s3"), self._outputs.bucket_name)
            letters = [describe(message, records) for message in received]
        return {"visible": visible, "in_flight": in_flight, "letters": letters}

    def alarms(self) -> list[dict[str, Any]]:
        response = self._clients("cloudwatch").describe_alarms(
            AlarmNamePrefix=self._settings.stack_name, MaxRecords=ALARMS_SHOWN
        )
        return [dict(alarm) for alarm in response.get("MetricAlarms", [])]

    def stream(self) -> dict[str, Any]:
        summary = self._clients("kinesis").describe_stream_summary(StreamName=self._outputs.stream_name)
        return dict(summary["StreamDescriptionSummary"])

    def archive_objects(self) -> tuple[int, bool]:
        response = self._clients("s3").list_objects_v2(
            Bucket=self._outputs.bucket_name, Prefix="tickets/", MaxKeys=ARCHIVE_CAP
        )
        return response.get("KeyCount", 0), bool(response.get("IsTruncated"))

    def warehouse_rows(self) -> int | None:
        """Rows in processed_tickets; None before the first ETL run has created it."""
        return processed_rows(self._settings.warehouse_url, connect_timeout=WAREHOUSE_TIMEOUT_S)

    def etl_report(self) -> dict[str, Any] | None:
        """The last ETL run's report (`ticketflow etl` writes it), None when none has run here."""
        path = self._settings.reports_dir / "etl.json"
        if not path.is_file():
            return None
        report: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return report | {"written_at": path.stat().st_mtime}

    def faults(self) -> dict[str, Any]:
        url = self._settings.fake_bedrock_url
        return {
            "config": fake_bedrock_admin.get_faults(url),
            "stats": fake_bedrock_admin.get_stats(url),
            "aws": self.aws_fault_rules(),
        }

    def aws_fault_rules(self) -> list[dict[str, Any]]:
        """The fault proxy's rules; none when it is not running (it starts with the first rule)."""
        try:
            return FaultProxy(self._settings.fault_proxy_url, timeout=1.0).rules()
        except AwsFaultError:
            return []

    def state_machine_steps(self) -> dict[str, Any]:
        described = self._clients("stepfunctions").describe_state_machine(
            stateMachineArn=self._outputs.state_machine_arn
        )
        definition: dict[str, Any] = json.loads(described["definition"])
        return definition

    def ticket(self, ticket_id: str) -> dict[str, Any]:
        """One ticket's page: its item shaped (None when the table has none) and its journey across the
        services (the same trace as `ticketflow trace`)."""
        try:
            item = get_ticket(self._clients("dynamodb"), self._outputs.table_name, ticket_id)
        except TicketNotFoundError:
            item = None
        journey = trace_ticket(self._clients, self._outputs, self._settings, ticket_id)
        return {"ticket": snapshot.ticket_detail(item) if item else None, "journey": journey.as_json()}

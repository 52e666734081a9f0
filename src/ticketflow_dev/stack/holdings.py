"""What the running local stack holds: the deployed stack, its tickets and archive, the warehouse's rows
(what a snapshot records, and shows when listed)."""

from __future__ import annotations

from typing import Any

from ticketflow_dev.core.aws import Clients
from ticketflow_dev.stack.crash_loss import archived_ticket_ids, stored_ticket_ids
from ticketflow_dev.stack.deploy import find_stack, outputs_file
from ticketflow_etl.postgres import processed_rows
from ticketflow_infra.outputs import StackOutputs
from ticketflow_infra.settings import Settings


def holdings(settings: Settings) -> dict[str, Any]:
    """The deployed stack (None when nothing is), its tickets and archive objects, the warehouse's rows."""
    holds: dict[str, Any] = {"stack": None}
    deployed = StackOutputs.from_file(outputs_file(settings), settings.stack_name)
    clients = Clients(settings)
    if deployed is not None and find_stack(clients("cloudformation"), settings.stack_name) is not None:
        holds["stack"] = settings.stack_name
        holds["tickets"] = len(stored_ticket_ids(clients("dynamodb"), deployed.table_name))
        holds["archive_objects"] = len(archived_ticket_ids(clients("s3"), deployed.bucket_name))
    # Before the first ETL run there is no table, and no row.
    holds["warehouse_rows"] = processed_rows(settings.warehouse_url, connect_timeout=5) or 0
    return holds


def describe(holds: dict[str, Any]) -> str:
    if holds.get("stack") is None:
        return f"nothing deployed, {holds.get('warehouse_rows', 0)} warehouse rows"
    return (
        f"{holds['stack']} deployed, {holds['tickets']} tickets, {holds['archive_objects']} archive objects,"
        f" {holds['warehouse_rows']} warehouse rows"
    )

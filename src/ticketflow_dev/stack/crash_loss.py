"""What a crash of the emulator took, as far as anything outside its memory can tell.

MiniStack restarts from its last complete save, so what a crash lost is what it did since then. Three
witnesses survive it: the outputs file of the last deploy (which resources the stack had), the archive,
because MiniStack writes S3 object bodies to disk at every put and loads them back at start, and the journal
of what this tool put on the stream (`tickets.put_journal`). An archived ticket whose item is gone (or came
back unfinished) was answered since the save: its item is rebuilt from the archive object; its execution and
its notification's record are lost (the notification itself was sent). A ticket the journal says was put
since the save, with neither an archive object nor an item, was lost unanswered: it must be put again.
Tickets put by other producers since the save and not answered left no trace outside the emulator.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ticketflow.ticket_store import Status
from ticketflow_dev.core.aws import Clients
from ticketflow_dev.stack.deploy import LOCAL_ACCOUNT, TOOLKIT_STACK, find_stack
from ticketflow_infra.outputs import StackOutputs

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client

ARCHIVE_PREFIX = "tickets/"
_UNFINISHED = frozenset({Status.RECEIVED.value, Status.PROCESSING.value})


@dataclass(frozen=True)
class EmulatorLoss:
    stack_name: str
    stack_lost: bool  # the deployed stack (or the one named in the outputs file) is not what came back
    outputs: StackOutputs  # of the deploy before the crash: where its archive is
    archived: frozenset[str]  # ticket ids with an archive object in that bucket (they survive)
    answered_lost: dict[str, str]  # ticket id → archive key: answered since the last save, item gone
    put_lost: frozenset[str]  # put (by this tool) since the last save, neither archived nor in the table

    @property
    def bucket(self) -> str:
        return self.outputs.bucket_name

    def lines(self) -> list[str]:
        stack = (
            f"stack {self.stack_name}: deployed since the last save, so gone (redeploying: its table, stream"
            " and functions come back under new names; the archive is copied into the new bucket)"
            if self.stack_lost
            else f"stack {self.stack_name}: deployed before the last save, so it came back (redeploying"
            " anyway, for any change deployed since)"
        )
        answered = (
            f"{len(self.answered_lost)} tickets answered since the last save lost their DynamoDB items:"
            " each is rebuilt from its archive object (their executions and the records of their"
            " notifications are gone; the notifications were sent)"
        )
        put = (
            f"{len(self.put_lost)} tickets put since the last save were not answered before the crash and are"
            " lost (their stream records and executions were in its memory): put them again"
            if self.put_lost
            else "no ticket this tool put since the last save was lost unanswered"
        )
        unknown = (
            "tickets other producers put since the last save and not yet answered left no trace outside"
            " the emulator"
        )
        return [stack, answered, put, unknown]

    def as_report(self) -> dict[str, Any]:
        return {
            "stack_name": self.stack_name,
            "stack_lost": self.stack_lost,
            "outputs": self.outputs.model_dump(by_alias=True),
            "archived": sorted(self.archived),
            "answered_lost": dict(sorted(self.answered_lost.items())),
            "put_lost": sorted(self.put_lost),
        }

    @classmethod
    def from_report(cls, report: dict[str, Any]) -> EmulatorLoss:
        return cls(
            stack_name=report["stack_name"],
            stack_lost=report["stack_lost"],
            outputs=StackOutputs.model_validate(report["outputs"]),
            archived=frozenset(report["archived"]),
            answered_lost=dict(report["answered_lost"]),
            put_lost=frozenset(report["put_lost"]),
        )


def archived_keys(s3: Any, bucket: str) -> dict[str, str]:
    """Ticket id → key of each archive object (`tickets/YYYY/MM/DD/<id>.json`); none when the bucket is
    gone."""
    keys: dict[str, str] = {}
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=ARCHIVE_PREFIX):
            keys.update((PurePosixPath(item["Key"]).stem, item["Key"]) for item in page.get("Contents", []))
    except s3.exceptions.NoSuchBucket:
        return {}
    return keys


def archived_ticket_ids(s3: S3Client, bucket: str) -> set[str]:
    """The ticket ids the archive holds; none when the bucket is gone."""
    return set(archived_keys(s3, bucket))


def stored_statuses(dynamodb: DynamoDBClient, table: str) -> dict[str, str]:
    """Ticket id → status of each item in the table; none when the table is gone."""
    statuses: dict[str, str] = {}
    try:
        pages = dynamodb.get_paginator("scan").paginate(
            TableName=table,
            ProjectionExpression="ticket_id, #status",
            ExpressionAttributeNames={"#status": "status"},
        )
        for page in pages:
            statuses.update((item["ticket_id"]["S"], item["status"]["S"]) for item in page["Items"])
    except dynamodb.exceptions.ResourceNotFoundException:
        return {}
    return statuses


def stored_ticket_ids(dynamodb: DynamoDBClient, table: str) -> set[str]:
    """The ticket ids the table holds; none when the table is gone."""
    return set(stored_statuses(dynamodb, table))


def emulator_loss(
    clients: Clients, stack_name: str, deployed: StackOutputs, put_since_save: set[str]
) -> EmulatorLoss:
    """Compare the restarted emulator with what the last deploy's outputs name (before any redeploy), and
    with what this tool put since the last save."""
    cloudformation = clients("cloudformation")
    came_back = find_stack(cloudformation, stack_name) is not None and (
        StackOutputs.from_cloudformation(cloudformation, stack_name) == deployed
    )
    archived = archived_keys(clients("s3"), deployed.bucket_name)
    statuses = stored_statuses(clients("dynamodb"), deployed.table_name) if came_back else {}
    answered_lost = {
        ticket_id: key
        for ticket_id, key in archived.items()
        if ticket_id not in statuses or statuses[ticket_id] in _UNFINISHED
    }
    return EmulatorLoss(
        stack_name=stack_name,
        stack_lost=not came_back,
        outputs=deployed,
        archived=frozenset(archived),
        answered_lost=answered_lost,
        put_lost=frozenset(put_since_save - archived.keys() - statuses.keys()),
    )


def orphaned_asset_buckets(clients: Clients, region: str) -> list[str]:
    """The bootstrap's asset buckets that outlived the bootstrap stack: their objects were on disk, the
    stack was in memory. CloudFormation refuses to bootstrap again while such a bucket exists."""
    if find_stack(clients("cloudformation"), TOOLKIT_STACK) is not None:
        return []
    suffix = f"-assets-{LOCAL_ACCOUNT}-{region}"
    names = [bucket["Name"] for bucket in clients("s3").list_buckets().get("Buckets", [])]
    return [name for name in names if name.startswith("cdk-") and name.endswith(suffix)]


def copy_archive(s3: Any, source: str, target: str, keys: list[str]) -> None:
    """Copy archive objects from the bucket of a stack the crash lost into the new stack's."""
    for key in keys:
        s3.copy_object(Bucket=target, Key=key, CopySource={"Bucket": source, "Key": key})


def bucket_exists(s3: Any, bucket: str) -> bool:
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as error:
        if error.response["Error"]["Code"] in ("404", "NoSuchBucket"):
            return False
        raise
    return True

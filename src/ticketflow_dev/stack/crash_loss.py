"""What a crash of the emulator took, as far as anything outside its memory can tell.

MiniStack restarts from its last save, so what a crash lost is what it did since then. Two witnesses
survive it: the outputs file of the last deploy (which resources the stack had), and the archive, because
MiniStack writes S3 object bodies to disk at every put and loads them back at start. An archived ticket
whose DynamoDB item is gone was answered since the save: its item, execution and notification are lost.
What left no trace outside the emulator cannot be known: records put on the stream since the save and
tickets still in flight at the crash.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from ticketflow_dev.core.aws import Clients
from ticketflow_dev.stack.deploy import LOCAL_ACCOUNT, TOOLKIT_STACK, find_stack
from ticketflow_infra.outputs import StackOutputs

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client

ARCHIVE_PREFIX = "tickets/"


@dataclass(frozen=True)
class EmulatorLoss:
    stack_name: str
    stack_lost: bool  # the deployed stack (or the one named in the outputs file) is not what came back
    archived: frozenset[str]  # ticket ids with an archive object in the old bucket (they survive)
    answered_lost: frozenset[str]  # archived, their item gone: answered since the last save
    bucket: str

    def lines(self) -> list[str]:
        stack = (
            f"stack {self.stack_name}: deployed since the last save, so gone (redeploying: its table, stream"
            " and functions come back empty, under new names)"
            if self.stack_lost
            else f"stack {self.stack_name}: deployed before the last save, so it came back (redeploying"
            " anyway, for any change deployed since)"
        )
        answered = (
            f"{len(self.answered_lost)} tickets answered since the last save: their DynamoDB items,"
            f" executions and notifications are gone; their archive objects are kept in {self.bucket}"
        )
        unknown = (
            "tickets put since the last save and not yet answered at the crash left no trace outside the"
            " emulator (their stream records and executions were in its memory): resubmit them"
        )
        return [stack, answered, unknown]

    def as_report(self) -> dict[str, Any]:
        return {
            "stack_name": self.stack_name,
            "stack_lost": self.stack_lost,
            "bucket": self.bucket,
            "archived": sorted(self.archived),
            "answered_lost": sorted(self.answered_lost),
        }


def archived_ticket_ids(s3: S3Client, bucket: str) -> set[str]:
    """The ticket ids the archive holds (`tickets/YYYY/MM/DD/<id>.json`); none when the bucket is gone."""
    ids: set[str] = set()
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=ARCHIVE_PREFIX):
            ids.update(PurePosixPath(item["Key"]).stem for item in page.get("Contents", []))
    except s3.exceptions.NoSuchBucket:
        return set()
    return ids


def stored_ticket_ids(dynamodb: DynamoDBClient, table: str) -> set[str]:
    """The ticket ids the table holds; none when the table is gone."""
    ids: set[str] = set()
    try:
        pages = dynamodb.get_paginator("scan").paginate(TableName=table, ProjectionExpression="ticket_id")
        for page in pages:
            ids.update(item["ticket_id"]["S"] for item in page["Items"])
    except dynamodb.exceptions.ResourceNotFoundException:
        return set()
    return ids


def emulator_loss(clients: Clients, stack_name: str, deployed: StackOutputs) -> EmulatorLoss:
    """Compare the restarted emulator with what the last deploy's outputs name (before any redeploy)."""
    cloudformation = clients("cloudformation")
    came_back = find_stack(cloudformation, stack_name) is not None and (
        StackOutputs.from_cloudformation(cloudformation, stack_name) == deployed
    )
    archived = archived_ticket_ids(clients("s3"), deployed.bucket_name)
    stored = stored_ticket_ids(clients("dynamodb"), deployed.table_name) if came_back else set()
    return EmulatorLoss(
        stack_name=stack_name,
        stack_lost=not came_back,
        archived=frozenset(archived),
        answered_lost=frozenset(archived - stored),
        bucket=deployed.bucket_name,
    )


def orphaned_asset_buckets(clients: Clients, region: str) -> list[str]:
    """The bootstrap's asset buckets that outlived the bootstrap stack: their objects were on disk, the
    stack was in memory. CloudFormation refuses to bootstrap again while such a bucket exists."""
    if find_stack(clients("cloudformation"), TOOLKIT_STACK) is not None:
        return []
    suffix = f"-assets-{LOCAL_ACCOUNT}-{region}"
    names = [bucket["Name"] for bucket in clients("s3").list_buckets().get("Buckets", [])]
    return [name for name in names if name.startswith("cdk-") and name.endswith(suffix)]

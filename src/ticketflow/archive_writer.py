"""The S3 archive of processed tickets: one JSON object per ticket, the flat ProcessedTicket shape."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from ticketflow.model import ProcessedTicket

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


class Archive(Protocol):
    def write(self, ticket: ProcessedTicket) -> str: ...


class TicketArchive:
    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def write(self, ticket: ProcessedTicket) -> str:
        key = ticket.archive_key()
        self._client.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=ticket.model_dump_json().encode("utf-8"),
            ContentType="application/json",
        )
        return key

"""remove_bucket against S3's own rules: AWS refuses to delete a bucket that holds objects (BucketNotEmpty),
which MiniStack's DeleteStack does not; so every object goes first, a page (1,000 keys) at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from ticketflow_dev.core.aws import remove_bucket

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

BUCKET = "ticketflow-archive"


def test_every_page_of_objects_is_deleted_before_the_bucket(s3_client: S3Client) -> None:
    # GIVEN a bucket of 1,001 objects (two pages) that AWS would not delete while any is left
    first = [{"Key": f"tickets/{n}.json"} for n in range(1000)]
    with Stubber(s3_client) as s3:
        s3.add_response(
            "list_objects_v2",
            {"Contents": first, "IsTruncated": True, "NextContinuationToken": "page-2"},
            {"Bucket": BUCKET},
        )
        s3.add_response(
            "delete_objects",
            {"Deleted": first},
            {"Bucket": BUCKET, "Delete": {"Objects": first, "Quiet": True}},
        )
        last = [{"Key": "tickets/1000.json"}]
        s3.add_response(
            "list_objects_v2",
            {"Contents": last, "IsTruncated": False},
            {"Bucket": BUCKET, "ContinuationToken": "page-2"},
        )
        s3.add_response(
            "delete_objects",
            {"Deleted": last},
            {"Bucket": BUCKET, "Delete": {"Objects": last, "Quiet": True}},
        )
        s3.add_response("delete_bucket", {}, {"Bucket": BUCKET})

        # WHEN it is removed
        remove_bucket(s3_client, BUCKET)

        # THEN both pages went, then the bucket, in that order
        s3.assert_no_pending_responses()


def test_a_bucket_aws_still_finds_objects_in_is_not_reported_gone(s3_client: S3Client) -> None:
    # GIVEN a bucket that gains an object between the listing and the delete
    with Stubber(s3_client) as s3:
        s3.add_response("list_objects_v2", {"IsTruncated": False}, {"Bucket": BUCKET})
        s3.add_client_error(
            "delete_bucket",
            service_error_code="BucketNotEmpty",
            service_message="The bucket you tried to delete is not empty",
            http_status_code=409,
        )

        # WHEN / THEN AWS's refusal reaches the caller
        with pytest.raises(ClientError, match="BucketNotEmpty"):
            remove_bucket(s3_client, BUCKET)

"""remove_bucket against S3's own rules: AWS refuses to delete a bucket that holds anything (BucketNotEmpty),
which MiniStack's DeleteStack does not; a versioned bucket (the CDK bootstrap's asset bucket is one) keeps
old versions and delete markers after its objects are deleted, so every version goes first, a page (1,000)
at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from ticketflow_dev.core.aws import remove_bucket

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

BUCKET = "cdk-hnb659fds-assets-000000000000-us-east-1"


def _versions(keys: range) -> list[dict[str, Any]]:
    return [{"Key": f"assets/{n}.zip", "VersionId": f"v{n}"} for n in keys]


def test_every_version_and_delete_marker_goes_before_the_bucket(s3_client: S3Client) -> None:
    # GIVEN a versioned bucket of two pages: 999 versions and a delete marker, then one more version
    first, marker, last = (
        _versions(range(999)),
        {"Key": "b.json", "VersionId": "m1"},
        _versions(range(999, 1000)),
    )
    with Stubber(s3_client) as s3:
        s3.add_response(
            "list_object_versions",
            {"Versions": first, "DeleteMarkers": [marker], "IsTruncated": True, "NextKeyMarker": "k"},
            {"Bucket": BUCKET},
        )
        s3.add_response(
            "delete_objects",
            {"Deleted": [*first, marker]},
            {"Bucket": BUCKET, "Delete": {"Objects": [*first, marker], "Quiet": True}},
        )
        s3.add_response(
            "list_object_versions",
            {"Versions": last, "IsTruncated": False},
            {"Bucket": BUCKET, "KeyMarker": "k"},
        )
        s3.add_response(
            "delete_objects",
            {"Deleted": last},
            {"Bucket": BUCKET, "Delete": {"Objects": last, "Quiet": True}},
        )
        s3.add_response("delete_bucket", {}, {"Bucket": BUCKET})

        # WHEN it is removed
        remove_bucket(s3_client, BUCKET)

        # THEN every version and marker of both pages went, then the bucket, in that order
        s3.assert_no_pending_responses()


def test_a_bucket_aws_still_finds_objects_in_is_not_reported_gone(s3_client: S3Client) -> None:
    # GIVEN a bucket that gains an object between the listing and the delete
    with Stubber(s3_client) as s3:
        s3.add_response("list_object_versions", {"IsTruncated": False}, {"Bucket": BUCKET})
        s3.add_client_error(
            "delete_bucket",
            service_error_code="BucketNotEmpty",
            service_message="The bucket you tried to delete is not empty",
            http_status_code=409,
        )

        # WHEN / THEN AWS's refusal reaches the caller
        with pytest.raises(ClientError, match="BucketNotEmpty"):
            remove_bucket(s3_client, BUCKET)

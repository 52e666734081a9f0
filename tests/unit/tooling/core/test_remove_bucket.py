"""remove_bucket empties a versioned bucket of every version and delete marker before deleting it."""

from __future__ import annotations

from typing import Any

from ticketflow_dev.core.aws import remove_bucket


class VersionedBucket:
    """The S3 calls remove_bucket makes, on a bucket that refuses deletion while any version is left."""

    def __init__(self) -> None:
        self.versions = [("a.zip", "v1"), ("a.zip", "v2")]
        self.markers = [("b.json", "m1")]
        self.deleted = False

    def get_paginator(self, operation: str) -> Any:
        assert operation == "list_object_versions"
        bucket = self

        class Pages:
            def paginate(self, Bucket: str) -> list[dict[str, Any]]:  # noqa: ARG002, N803 (boto3's name)
                return [
                    {
                        "Versions": [{"Key": k, "VersionId": v} for k, v in bucket.versions],
                        "DeleteMarkers": [{"Key": k, "VersionId": v} for k, v in bucket.markers],
                    }
                ]

        return Pages()

    def delete_objects(self, Bucket: str, Delete: dict[str, Any]) -> None:  # noqa: ARG002, N803
        gone = {(o["Key"], o["VersionId"]) for o in Delete["Objects"]}
        self.versions = [v for v in self.versions if v not in gone]
        self.markers = [m for m in self.markers if m not in gone]

    def delete_bucket(self, Bucket: str) -> None:  # noqa: ARG002, N803
        assert not self.versions, "BucketNotEmpty"
        assert not self.markers, "BucketNotEmpty"
        self.deleted = True


def test_every_version_goes_before_the_bucket() -> None:
    bucket = VersionedBucket()
    remove_bucket(bucket, "cdk-hnb659fds-assets-000000000000-us-east-1")
    assert bucket.deleted

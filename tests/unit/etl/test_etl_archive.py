"""The archive client: timestamps without dateutil; fetching falls back to threads without processes."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.utils import parse_timestamp

from ticketflow_etl import archive_reader
from ticketflow_etl.archive_reader import ArchiveObject, ProcessFetch, client_config, fetch_objects, s3_client

MODIFIED = datetime(2026, 11, 26, 22, 3, 34, tzinfo=UTC)
CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}


@pytest.mark.parametrize(
    "raw", ["2026-11-26T22:03:34.000Z", "2026-11-26T22:03:34Z", "Thu, 26 Nov 2026 22:03:34 GMT", 1795730614]
)
def test_timestamps_parse_like_botocore(raw: Any) -> None:
    parsed = archive_reader._timestamp(raw)  # the parser the archive client installs
    assert parsed == parse_timestamp(raw) == MODIFIED
    assert parsed.utcoffset() is not None


def test_archive_client_config_skips_parameter_validation_and_fits_the_pool() -> None:
    assert vars(client_config(3))["parameter_validation"] is False
    assert vars(client_config(3))["max_pool_connections"] == 10
    assert vars(client_config(32))["max_pool_connections"] == 32


def test_archive_client_merges_the_given_config() -> None:
    given = Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=7)
    client = s3_client({"region_name": "eu-west-1", "config": given, **CREDENTIALS}, max_workers=16)
    assert client.meta.region_name == "eu-west-1"
    assert client.meta.config.connect_timeout == 7
    assert client.meta.config.max_pool_connections == 16


class FakeS3:
    """Answers `get_object` for the keys it holds; the rest are gone (NoSuchKey)."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = set(keys)

    def get_object(self, **call: str) -> dict[str, Any]:
        key = call["Key"]
        if key not in self.keys:
            raise ClientError({"Error": {"Code": "NoSuchKey", "Message": "gone"}}, "GetObject")
        return {"Body": io.BytesIO(key.encode()), "ETag": f'"e-{key}"', "LastModified": MODIFIED}


def listed(*keys: str) -> list[ArchiveObject]:
    return [ArchiveObject(key=key, etag="old", last_modified=MODIFIED) for key in keys]


def test_without_a_process_pool_fetching_falls_back_to_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a platform where multiprocessing has no semaphores (AWS Lambda: no /dev/shm)
    def no_semaphores(*args: Any, **kwargs: Any) -> Any:
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(archive_reader, "ProcessPoolExecutor", no_semaphores)
    s3 = FakeS3(["tickets/a.json", "tickets/c.json"])

    # WHEN objects are fetched with processes asked for
    fetched = list(
        fetch_objects(
            s3,
            "bucket",
            listed("tickets/a.json", "tickets/b.json", "tickets/c.json"),
            max_workers=2,
            processes=ProcessFetch({"region_name": "us-east-1"}, 2, min_objects=1),
        )
    )

    # THEN the run's own client fetched them, in order, skipping the vanished key
    assert [(item.key, item.etag, item.body) for item in fetched] == [
        ("tickets/a.json", "e-tickets/a.json", b"tickets/a.json"),
        ("tickets/c.json", "e-tickets/c.json", b"tickets/c.json"),
    ]


def test_a_few_objects_are_fetched_with_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool_expected(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a process pool for three objects")

    monkeypatch.setattr(archive_reader, "ProcessPoolExecutor", no_pool_expected)
    keys = ["tickets/a.json", "tickets/b.json", "tickets/c.json"]
    fetched = fetch_objects(
        FakeS3(keys), "bucket", listed(*keys), processes=ProcessFetch({}, 2, min_objects=len(keys) + 1)
    )
    assert [item.key for item in fetched] == keys

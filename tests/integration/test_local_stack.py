"""The local stack for real: MiniStack, PostgreSQL and fake_bedrock started, checked, restarted and stopped.

Runs on free non-default ports with a temporary home, so a developer's own stack is never touched. The
first `up` builds the emulator's virtualenv in that home (~10-30 s).
"""

from __future__ import annotations

import socket
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from botocore.exceptions import ClientError

from tests.aws_clients import endpoint_clients
from ticketflow_dev.core.aws import Service, remove_bucket
from ticketflow_dev.local import ServiceStatus, StackError, down, status, up
from ticketflow_dev.local.emulator import emulator_python
from ticketflow_dev.local.processes import is_running, port_is_free
from ticketflow_dev.local.service import Layout
from ticketflow_dev.targets import TargetError, stack_target
from ticketflow_dev.targets.external import ExternalTarget, emulator_kind
from ticketflow_infra.settings import Settings

SERVICES = ["emulator", "warehouse", "fake_bedrock"]


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class Started:
    settings: Settings
    first: list[ServiceStatus]
    messages: list[tuple[str, str]]


@pytest.fixture(scope="module")
def started(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    """One stack for the module, in a temporary home; stopped at the end whatever happened."""
    emulator, warehouse, fake_bedrock = free_ports(3)
    settings = Settings(
        home=tmp_path_factory.mktemp("stack") / "home",
        emulator_port=emulator,
        warehouse_port=warehouse,
        fake_bedrock_port=fake_bedrock,
    )
    messages: list[tuple[str, str]] = []
    try:
        first = up(settings, progress=lambda service, message: messages.append((service, message)))
        yield Started(settings, first, messages)
    finally:
        down(settings)


def get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as response:
        return int(response.status)


def aws(settings: Settings, service: Service) -> Any:
    return endpoint_clients(settings.emulator_url, region=settings.region)(service)


def test_up_starts_every_service_healthy(started: Started) -> None:
    # GIVEN the stack brought up from nothing (fixture)
    settings, layout = started.settings, Layout.of(started.settings)

    # WHEN we look at what up returned and at the services themselves
    by_name = {item.name: item for item in started.first}

    # THEN all three were started by it and are healthy, with pid files and logs in the home
    assert [(item.name, item.state, item.started) for item in started.first] == [
        (name, "healthy", True) for name in SERVICES
    ]
    for name in SERVICES:
        assert layout.pid_file(name).read_text().strip() == str(by_name[name].pid)
        assert Path(by_name[name].log).is_file()
    assert ("emulator", "virtualenv ready") in started.messages
    # AND each answers on its own port
    assert get(f"{settings.emulator_url}/_ministack/health") == 200
    assert get(f"{settings.fake_bedrock_url}/health") == 200
    with psycopg.connect(settings.warehouse_url, connect_timeout=5) as connection:
        row = connection.execute("SELECT current_user, current_database(), 1").fetchone()
    assert row == ("ticketflow", "warehouse", 1)


def test_up_again_leaves_running_services_alone(started: Started) -> None:
    # GIVEN the running stack
    # WHEN up is called again
    began = time.monotonic()
    again = up(started.settings)
    seconds = time.monotonic() - began

    # THEN nothing was started, the pids are the same, and it took no time to speak of
    assert [(item.state, item.started) for item in again] == [("healthy", False)] * 3
    assert [item.pid for item in again] == [item.pid for item in started.first]
    assert seconds < 5


def test_status_reports_each_service(started: Started) -> None:
    # GIVEN the running stack
    # WHEN its status is asked
    report = status(started.settings)

    # THEN each service is healthy, with its pid, port, URL and log path
    settings = started.settings
    assert [(item.name, item.state, item.port) for item in report] == [
        ("emulator", "healthy", settings.emulator_port),
        ("warehouse", "healthy", settings.warehouse_port),
        ("fake_bedrock", "healthy", settings.fake_bedrock_port),
    ]
    assert report[1].url == settings.warehouse_url
    assert report[0].log == str(Layout.of(settings).log("emulator"))


def test_a_port_taken_by_another_process_is_a_clear_error(started: Started, tmp_path: Path) -> None:
    # GIVEN a second stack (another home) configured on the emulator port the first one holds
    other = started.settings.model_copy(
        update={
            "home": tmp_path / "other",
            "warehouse_port": free_ports(1)[0],
            "fake_bedrock_port": free_ports(1)[0],
        }
    )

    # WHEN it is brought up
    with pytest.raises(StackError) as raised:
        up(other)

    # THEN the error names the port, the service and the variable that moves it; nothing was started
    message = str(raised.value)
    assert f"port {other.emulator_port}" in message
    assert "emulator" in message
    assert "TICKETFLOW_EMULATOR_PORT" in message
    assert [item.state for item in status(other)][1:] == ["stopped", "stopped"]
    assert not (tmp_path / "other" / "venvs").exists()


def test_the_external_target_uses_a_running_stack_and_leaves_it_running(started: Started) -> None:
    # GIVEN a stack this target did not start (the supervisor's, on its own ports)
    target = stack_target(started.settings.model_copy(update={"stack": "external"}))

    # WHEN the external target brings it up, is released, and is told to go down
    running = target.up()
    target.release(running)
    target.down()

    # THEN every service answered, nothing was started or stopped, and the functions are bundled for the
    # interpreter of the process that serves the emulator's port (MiniStack runs them on it)
    assert [(item.name, item.state) for item in running.services] == [
        ("emulator", "healthy"),
        ("warehouse", "healthy"),
        ("fake_bedrock", "healthy"),
    ]
    assert running.started == ()
    assert [item.state for item in status(started.settings)] == ["healthy"] * 3
    assert emulator_kind(started.settings.emulator_url) == "MiniStack"
    assert running.settings.function_python == str(emulator_python(started.settings))
    assert running.services[0].pid == status(started.settings)[0].pid


def test_the_external_target_names_each_service_that_does_not_answer() -> None:
    # GIVEN endpoints where nothing listens
    emulator, warehouse, fake_bedrock = free_ports(3)
    settings = Settings(
        stack="external", emulator_port=emulator, warehouse_port=warehouse, fake_bedrock_port=fake_bedrock
    )

    # WHEN the external target is brought up
    with pytest.raises(TargetError) as raised:
        ExternalTarget(settings, answer_timeout=0.5).up()

    # THEN the error names every service, the variable that points at it, and how to start one
    message = str(raised.value)
    for variable in ("TICKETFLOW_EMULATOR_PORT", "TICKETFLOW_WAREHOUSE_PORT", "TICKETFLOW_FAKE_BEDROCK_PORT"):
        assert variable in message
    assert "docker compose up -d --wait" in message


def test_state_survives_a_restart(started: Started) -> None:
    # GIVEN a queue, an S3 object, a DynamoDB item and a warehouse row
    settings, suffix = started.settings, uuid.uuid4().hex[:8]
    sqs, s3, dynamodb = aws(settings, "sqs"), aws(settings, "s3"), aws(settings, "dynamodb")
    queue, bucket, table = f"q-{suffix}", f"bucket-{suffix}", f"table-{suffix}"
    sqs.create_queue(QueueName=queue)
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="tickets/a.json", Body=b'{"id": "a"}')
    dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.put_item(TableName=table, Item={"id": {"S": "a"}})
    with psycopg.connect(settings.warehouse_url, autocommit=True) as connection:
        connection.execute(f"CREATE TABLE kept_{suffix} (id text)")
        connection.execute(f"INSERT INTO kept_{suffix} VALUES ('a')")

    # WHEN the stack is stopped (SIGTERM / SIGINT) and started again
    down(settings)
    restarted = up(settings)

    # THEN every service was restarted and still has the data
    assert [item.started for item in restarted] == [True, True, True]
    sqs, s3, dynamodb = aws(settings, "sqs"), aws(settings, "s3"), aws(settings, "dynamodb")
    assert any(url.endswith(f"/{queue}") for url in sqs.list_queues()["QueueUrls"])
    body = s3.get_object(Bucket=bucket, Key="tickets/a.json")["Body"].read()
    assert body == b'{"id": "a"}'
    assert dynamodb.get_item(TableName=table, Key={"id": {"S": "a"}})["Item"] == {"id": {"S": "a"}}
    with psycopg.connect(settings.warehouse_url) as connection:
        assert connection.execute(f"SELECT id FROM kept_{suffix}").fetchall() == [("a",)]


def test_a_versioned_bucket_left_with_old_versions_only_is_removed_whole(started: Started) -> None:
    # GIVEN a versioned bucket (as the CDK bootstrap's asset bucket is) whose objects were overwritten and
    # deleted: only old versions and a delete marker are left, and S3 refuses to delete it as it is (what
    # `up` hit, removing the bootstrap bucket a crash had orphaned)
    s3 = aws(started.settings, "s3")
    bucket = f"cdk-assets-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for body in (b"one", b"two"):
        s3.put_object(Bucket=bucket, Key="asset.zip", Body=body)
    s3.delete_object(Bucket=bucket, Key="asset.zip")
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0
    with pytest.raises(ClientError) as refused:
        s3.delete_bucket(Bucket=bucket)
    assert refused.value.response["Error"]["Code"] == "BucketNotEmpty"

    # WHEN it is removed
    remove_bucket(s3, bucket)

    # THEN it is gone
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_down_stops_everything_and_frees_the_ports(started: Started) -> None:
    # GIVEN the running stack
    settings, layout = started.settings, Layout.of(started.settings)
    pids = [item.pid for item in status(settings)]

    # WHEN it is brought down (twice: the second is a no-op)
    began = time.monotonic()
    stopped = down(settings)
    seconds = time.monotonic() - began
    down(settings)

    # THEN the processes are gone, pid files removed, ports free and status says stopped
    assert [item.state for item in stopped] == ["stopped"] * 3
    assert not any(is_running(pid) for pid in pids if pid is not None)
    assert not any(layout.pid_file(name).exists() for name in SERVICES)
    ports = (settings.emulator_port, settings.warehouse_port, settings.fake_bedrock_port)
    assert all(port_is_free(settings.bind_host, port) for port in ports)
    assert [item.state for item in status(settings)] == ["stopped"] * 3
    assert seconds < 30

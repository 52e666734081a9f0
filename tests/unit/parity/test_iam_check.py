"""The in-flight check: a function's call its role would not be allowed is refused with AWS's error, before it
leaves; every request it checks is recorded while a run records. Real botocore clients of a local endpoint,
the check run by the front door's plugin, answers stubbed (nothing leaves the process)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from tests.unit.parity.checked_calls import checked_client
from ticketflow_parity import plugin
from ticketflow_parity.iam import POLICIES_VARIABLE
from ticketflow_parity.iam.check import FUNCTION_VARIABLE, UNCHECKED, check_iam
from ticketflow_parity.iam.deployed import FILE_SUFFIX, FORMAT
from ticketflow_parity.iam.recording import RUN_FILE, calls_file

ACCOUNT = "000000000000"
BUCKET = "tf-archive-abc"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/tf-WriterRole-XYZ"
FUNCTION = "tf-Writer-123"


def policy_file(folder: Path) -> None:
    """One stack: the writer may put objects under tickets/; its bucket denies plain HTTP (enforceSSL)."""
    bucket_arn = f"arn:aws:s3:::{BUCKET}"
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"{bucket_arn}/tickets/*"}],
    }
    deny_http = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "s3:*",
                "Resource": [bucket_arn, f"{bucket_arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
    data = {
        "format": FORMAT,
        "stack": "tf",
        "account": ACCOUNT,
        "region": "us-east-1",
        "roles": {
            "WriterRole": {"arn": ROLE_ARN, "policies": [{"name": "WriterPolicy", "document": document}]}
        },
        "functions": {FUNCTION: "WriterRole"},
        "state_machines": {},
        "resource_policies": [
            {
                "name": "ArchivePolicy",
                "document": deny_http,
                "covers": [bucket_arn, f"{bucket_arn}/*"],
                "must_allow": False,
            }
        ],
        "names": {BUCKET: "Archive", FUNCTION: "Writer", "tf-WriterRole-XYZ": "WriterRole"},
    }
    (folder / f"tf{FILE_SUFFIX}").write_text(json.dumps(data), encoding="utf-8")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    policy_file(tmp_path)
    monkeypatch.setenv(POLICIES_VARIABLE, str(tmp_path))
    monkeypatch.setenv(FUNCTION_VARIABLE, FUNCTION)
    monkeypatch.setattr(plugin, "CHECKS", [check_iam])
    return tmp_path


@pytest.fixture
def s3() -> Iterator[Any]:
    client = checked_client("s3")
    with Stubber(client) as stubber:
        for _ in range(3):
            stubber.add_response("put_object", {"ETag": '"stubbed"'})
        yield client


def test_a_call_the_role_allows_goes_through(folder: Path, s3: Any) -> None:
    # GIVEN the writer's role may put under tickets/
    # WHEN it puts a ticket
    response = s3.put_object(Bucket=BUCKET, Key="tickets/2026/12/07/T-1.json", Body=b"{}")
    # THEN the (stubbed) answer comes back: the bucket's HTTPS-only deny does not apply to an SDK call
    assert response["ETag"] == '"stubbed"'


def test_a_call_the_role_does_not_allow_fails_with_awss_access_denied(folder: Path, s3: Any) -> None:
    # GIVEN the same role
    # WHEN it puts outside tickets/
    with pytest.raises(ClientError) as raised:
        s3.put_object(Bucket=BUCKET, Key="elsewhere/x.json", Body=b"{}")
    # THEN S3's AccessDenied (403) names the action, the resource and the role's session
    error = raised.value.response["Error"]
    assert error["Code"] == "AccessDenied"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error["Message"] == (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/tf-WriterRole-XYZ/{FUNCTION}"
        " is not authorized to perform:"
        f" s3:PutObject on resource: arn:aws:s3:::{BUCKET}/elsewhere/x.json because no identity-based policy"
        " allows the s3:PutObject action"
    )


def test_a_call_outside_a_function_is_not_checked(
    folder: Path, s3: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the CLI or a test (no AWS_LAMBDA_FUNCTION_NAME: the account's root)
    monkeypatch.delenv(FUNCTION_VARIABLE)
    # WHEN it puts anywhere / THEN it goes through
    assert s3.put_object(Bucket=BUCKET, Key="elsewhere/x.json", Body=b"{}") is not None


def test_a_function_of_no_deployed_stack_is_refused_with_what_to_do(
    folder: Path, s3: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a function no policy file names
    monkeypatch.setenv(FUNCTION_VARIABLE, "somebody-else")
    # WHEN it calls / THEN the check's own refusal says how to write the policies
    with pytest.raises(ClientError) as raised:
        s3.put_object(Bucket=BUCKET, Key="tickets/x.json", Body=b"{}")
    assert raised.value.response["Error"]["Code"] == UNCHECKED
    assert "ticketflow deploy" in raised.value.response["Error"]["Message"]


def test_a_call_the_check_cannot_map_is_refused_not_let_through(folder: Path) -> None:
    # GIVEN a service the check does not map, called from the function
    ec2 = checked_client("ec2")
    # WHEN / THEN
    with pytest.raises(ClientError) as raised:
        ec2.describe_instances()
    assert raised.value.response["Error"]["Code"] == UNCHECKED


def test_a_policy_file_replaced_by_a_deploy_is_read_again(folder: Path, s3: Any) -> None:
    # GIVEN a first call read the policies
    s3.put_object(Bucket=BUCKET, Key="tickets/a.json", Body=b"{}")
    # WHEN a deploy renames a file without the grant into place
    path = folder / f"tf{FILE_SUFFIX}"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["roles"]["WriterRole"]["policies"] = []
    (folder / "tf.partial").write_text(json.dumps(data), encoding="utf-8")
    (folder / "tf.partial").replace(path)
    # THEN the next call is refused
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.put_object(Bucket=BUCKET, Key="tickets/b.json", Body=b"{}")


def test_while_a_run_records_each_request_is_written_once_by_logical_id(folder: Path, s3: Any) -> None:
    # GIVEN a run recording (its file created first, then the run file written)
    calls_file(folder, "run-1").touch()
    (folder / RUN_FILE).write_text("run-1", encoding="utf-8")
    # WHEN two tickets are put and one call is refused
    s3.put_object(Bucket=BUCKET, Key="tickets/2026/12/07/T-1.json", Body=b"{}")
    s3.put_object(Bucket=BUCKET, Key="tickets/2026/12/07/T-2.json", Body=b"{}")
    with pytest.raises(ClientError):
        s3.put_object(Bucket=BUCKET, Key="other/T-3.json", Body=b"{}")
    # THEN two lines: the tickets' puts are one request by logical id, the refused one is the other
    lines = [
        json.loads(line) for line in calls_file(folder, "run-1").read_text(encoding="utf-8").splitlines()
    ]
    assert [(r["role"], r["caller"], r["action"], r["resource"]) for r in lines] == [
        ("WriterRole", "<Writer>", "s3:PutObject", "arn:aws:s3:::<Archive>/tickets/<key>"),
        ("WriterRole", "<Writer>", "s3:PutObject", "arn:aws:s3:::<Archive>/other/<key>"),
    ]
    assert lines[0]["context"]["aws:requestedregion"] == "<region>"

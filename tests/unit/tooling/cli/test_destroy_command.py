"""`ticketflow destroy`: the CDK CLI's command line, the per-stack outputs file, and when it asks first."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import typer
from aws_cdk.assertions import Template
from botocore.exceptions import ClientError
from typer.testing import CliRunner

from ticketflow_dev.cli import destroy as destroy_cli
from ticketflow_dev.cli.app import app
from ticketflow_dev.stack import deploy
from ticketflow_dev.stack.deploy import Cdk, destroy_stack, outputs_file
from ticketflow_infra.settings import Profile, Settings

STACK = "Ticketflow"
WIDE = {"COLUMNS": "250"}  # long physical ids stay on one line


class FakeCloudFormation:
    """One deployed stack of `template` (physical id `physical-<logical id>`), or none."""

    def __init__(self, template: Mapping[str, Any] | None) -> None:
        self.template = template

    def describe_stacks(self, *, StackName: str) -> dict[str, Any]:  # noqa: N803
        if self.template is None:
            error: Any = {
                "Error": {"Code": "ValidationError", "Message": f"Stack with id {StackName} does not exist"}
            }
            raise ClientError(error, "DescribeStacks")
        stack_id = f"arn:aws:cloudformation:eu-west-1:123456789012:stack/{StackName}/5e1f"
        return {"Stacks": [{"StackName": StackName, "StackId": stack_id, "StackStatus": "UPDATE_COMPLETE"}]}

    def get_template(self, *, StackName: str) -> dict[str, Any]:  # noqa: N803
        assert StackName == STACK
        return {"TemplateBody": self.template}

    def get_paginator(self, operation: str) -> FakeCloudFormation:
        assert operation == "list_stack_resources"
        return self

    def paginate(self, *, StackName: str) -> Iterator[dict[str, Any]]:  # noqa: N803
        assert StackName == STACK
        assert self.template is not None
        resources = self.template["Resources"].items()
        yield {
            "StackResourceSummaries": [
                {
                    "LogicalResourceId": logical_id,
                    "ResourceType": r["Type"],
                    "PhysicalResourceId": f"physical-{logical_id}",
                }
                for logical_id, r in resources
            ]
        }


class FakeCdk:
    def __init__(self) -> None:
        self.destroyed = 0

    def destroy(self) -> None:
        self.destroyed += 1


# --- the CDK CLI's command line ---------------------------------------------------------------------------


@pytest.fixture
def recording_cdk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in `cdk` executable that records its arguments and environment in the returned folder."""
    record = tmp_path / "record"
    record.mkdir()
    script = tmp_path / "cdk"
    script.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$RECORD/args"\nenv > "$RECORD/env"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(deploy, "CDK_BIN", script)
    monkeypatch.setenv("RECORD", str(record))
    return record


def test_destroy_runs_cdk_destroy_of_the_stack_forced_with_the_deploys_environment(
    recording_cdk: Path, tmp_path: Path
) -> None:
    # GIVEN settings for another stack on a non-default emulator port
    settings = Settings(profile="local", stack_name="TicketflowOther", emulator_port=4999, home=tmp_path)

    # WHEN the stack is destroyed through the CDK CLI
    Cdk(settings).destroy()

    # THEN `cdk destroy <stack> --force` runs into the cloud assembly, the app sees the same stack name, and
    # the CLI targets the emulator as a deploy does
    args = (recording_cdk / "args").read_text().splitlines()
    assert args == [
        "destroy",
        "TicketflowOther",
        "--force",
        "--output",
        str(deploy.cloud_assembly(settings)),
        "--context",
        "profile=local",
    ]
    env = dict(line.split("=", 1) for line in (recording_cdk / "env").read_text().splitlines() if "=" in line)
    assert env["TICKETFLOW_STACK_NAME"] == "TicketflowOther"
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4999"
    assert (
        "$ " + str(deploy.CDK_BIN) + " destroy TicketflowOther --force"
        in (tmp_path / "logs" / "cdk.log").read_text()
    )


# --- destroy_stack: the stack, then its outputs file ------------------------------------------------------


def _write_outputs(settings: Settings) -> Path:
    path = outputs_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({settings.stack_name: {"TableName": "t"}}))
    return path


def test_destroy_stack_deletes_the_stack_and_only_its_own_outputs_file(tmp_path: Path) -> None:
    # GIVEN two stacks deployed from one home, each with its outputs file
    settings = Settings(stack_name="TicketflowOther", home=tmp_path)
    own, other = _write_outputs(settings), _write_outputs(settings.model_copy(update={"stack_name": STACK}))
    cdk = FakeCdk()
    cloudformation = FakeCloudFormation({"Resources": {}})

    # WHEN one is destroyed
    destroyed = destroy_stack(settings, cdk, {"cloudformation": cloudformation}.__getitem__)  # type: ignore[arg-type]

    # THEN the CDK CLI deleted it, its outputs file is gone and the other stack's is still there
    assert (destroyed, cdk.destroyed) == (True, 1)
    assert not own.exists()
    assert other.exists()


def test_destroying_a_stack_that_is_not_there_is_a_no_op_that_forgets_stale_outputs(tmp_path: Path) -> None:
    # GIVEN no stack in CloudFormation, but an outputs file left from an earlier deploy
    settings = Settings(home=tmp_path)
    stale = _write_outputs(settings)
    cdk = FakeCdk()

    # WHEN it is destroyed
    destroyed = destroy_stack(settings, cdk, {"cloudformation": FakeCloudFormation(None)}.__getitem__)  # type: ignore[arg-type]

    # THEN the CDK CLI did not run, and nothing reads the outputs of the stack that is gone
    assert (destroyed, cdk.destroyed) == (False, 0)
    assert not stale.exists()


# --- the command: who is asked, what is listed ------------------------------------------------------------


class Destroyed:
    def __init__(self) -> None:
        self.calls = 0
        self.emulator_checked = False


def _command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, profile: Profile, template: Mapping[str, Any] | None
) -> Destroyed:
    """`ticketflow destroy` on `profile` against a fake CloudFormation, destroy_stack recorded."""
    seen = Destroyed()
    current = Settings(profile=profile, region="eu-west-1", home=tmp_path)
    cloudformation = FakeCloudFormation(template)

    def destroyed(*_: object) -> bool:
        seen.calls += 1
        return template is not None

    def check_emulator(_: Settings) -> None:
        seen.emulator_checked = True

    monkeypatch.setattr(destroy_cli, "settings", lambda: current)
    monkeypatch.setattr(destroy_cli, "require_running_emulator", check_emulator)
    monkeypatch.setattr(destroy_cli, "Clients", lambda _: {"cloudformation": cloudformation}.__getitem__)
    monkeypatch.setattr(destroy_cli, "Cdk", lambda *_: None)
    monkeypatch.setattr(destroy_cli, "reporting_cdk", lambda *_: None)
    monkeypatch.setattr(destroy_cli, "destroy_stack", destroyed)
    return seen


def test_aws_without_yes_and_without_a_terminal_refuses_and_deletes_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, profile_templates: Mapping[str, Template]
) -> None:
    # GIVEN the aws profile's stack deployed, and a script's stdin (no terminal)
    seen = _command(monkeypatch, tmp_path, "aws", profile_templates["aws"].to_json())

    # WHEN destroy runs without --yes
    result = CliRunner().invoke(app, ["destroy"], env=WIDE)

    # THEN it lists what the deletion would keep, refuses with what to do, and deletes nothing
    assert result.exit_code == 1, result.output
    assert "needs a yes: run this at a terminal, or pass --yes" in result.output
    assert "keeps 11 resources" in result.output
    assert "table      physical-StorageTickets" in result.output
    assert seen.calls == 0


def test_aws_with_yes_deletes_and_says_what_is_kept_and_how_to_delete_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, profile_templates: Mapping[str, Template]
) -> None:
    # GIVEN the aws profile's stack deployed
    seen = _command(monkeypatch, tmp_path, "aws", profile_templates["aws"].to_json())

    # WHEN destroy runs with --yes
    result = CliRunner().invoke(app, ["destroy", "--yes"], env=WIDE)

    # THEN it deletes without asking, then names each kept resource and the command that deletes it
    assert result.exit_code == 0, result.output
    assert seen.calls == 1
    assert "kept on purpose" in result.output
    for kind, command in [
        ("table", "aws dynamodb delete-table --table-name physical-StorageTickets"),
        ("bucket", "aws s3 rb s3://physical-StorageArchive"),
        ("stream", "aws kinesis delete-stream --stream-name physical-IngestTickets"),
        ("queue", "aws sqs delete-queue --queue-url physical-IngestDeadLetters"),
        ("key", "aws kms schedule-key-deletion --key-id physical-AlertingNotificationsKey"),
    ]:
        assert f"  {kind} " in result.output
        assert command in result.output


def test_local_destroys_without_asking_once_the_emulator_answers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, profile_templates: Mapping[str, Template]
) -> None:
    # GIVEN the local profile's stack deployed, and no terminal to answer on
    seen = _command(monkeypatch, tmp_path, "local", profile_templates["local"].to_json())

    # WHEN destroy runs without --yes
    result = CliRunner().invoke(app, ["destroy"], env=WIDE)

    # THEN the emulator was checked and the stack deleted, nothing asked and nothing kept
    assert result.exit_code == 0, result.output
    assert (seen.emulator_checked, seen.calls) == (True, 1)
    assert "kept" not in result.output


@pytest.mark.parametrize("profile", ["local", "aws"])
def test_a_stack_that_is_not_deployed_is_a_clean_no_op(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, profile: Profile
) -> None:
    # GIVEN no stack
    seen = _command(monkeypatch, tmp_path, profile, None)

    # WHEN destroy runs, without --yes even on AWS
    result = CliRunner().invoke(app, ["destroy"], env=WIDE)

    # THEN it says so and succeeds (only a stale outputs file could go)
    assert result.exit_code == 0, result.output
    assert f"stack Ticketflow is not deployed ({profile} profile): nothing to do" in result.output
    assert seen.calls == 1


def test_aws_at_a_terminal_asks_about_the_stack_by_its_id_and_deletes_only_on_a_yes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a terminal where the user answers yes, then no
    answers = iter([True, False])
    asked: list[tuple[str, bool]] = []

    def confirm(text: str, default: bool) -> bool:
        asked.append((text, default))
        return next(answers)

    monkeypatch.setattr(typer, "confirm", confirm)
    stack_id = "arn:aws:cloudformation:eu-west-1:123456789012:stack/Ticketflow/5e1f"
    aws = Settings(profile="aws")

    # WHEN the deletion is confirmed, then declined
    destroy_cli.confirm_destroy(aws, stack_id, yes=False, interactive=True)
    with pytest.raises(typer.Exit) as declined:
        destroy_cli.confirm_destroy(aws, stack_id, yes=False, interactive=True)

    # THEN each time the user was asked about the stack by its id (account and region), default no, and a
    # no stops the command
    assert asked == [(f"Delete stack {stack_id}?", False)] * 2
    assert declined.value.exit_code == 1

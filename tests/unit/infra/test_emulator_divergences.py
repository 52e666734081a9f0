"""AWS's behaviour where the emulator's differs and the code relies on the difference being handled: each
test holds our stack to what AWS does (docs/parity.md lists them)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from aws_cdk.assertions import Template

from ticketflow_infra.paths import STATE_MACHINE_FILE


def test_on_aws_deleting_the_stack_keeps_the_archive_and_the_table(
    profile_templates: Mapping[str, Template],
) -> None:
    # GIVEN the template that goes to AWS. AWS's DeleteStack fails on a bucket that holds objects
    # (BucketNotEmpty); MiniStack 1.5.33 deletes it with them, which the local profile's destroy relies on.
    aws = profile_templates["aws"]

    # WHEN / THEN the archive bucket and the table outlive the stack on AWS: DeleteStack never meets a
    # bucket it cannot delete, and no customer's ticket goes with a stack
    kept = {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
    aws.has_resource("AWS::S3::Bucket", kept)
    aws.has_resource("AWS::DynamoDB::GlobalTable", kept)
    assert not aws.find_resources("Custom::S3AutoDeleteObjects")  # nothing empties it behind the user's back


def _retriers_and_catchers(states: Mapping[str, Any]) -> Iterator[tuple[str, str, list[str]]]:
    for name, state in states.items():
        for kind in ("Retry", "Catch"):
            for rule in state.get(kind, []):
                yield name, state.get("Resource", ""), rule["ErrorEquals"]
        for branch in state.get("Branches", []):
            yield from _retriers_and_catchers(branch["States"])


def test_the_state_machine_never_names_a_functions_own_error_type() -> None:
    # GIVEN the definition. A function's exception reaches Step Functions as its Python type on AWS
    # (`ValueError`) and as `Runtime.HandlerError` from MiniStack: a rule naming either would take a
    # different path on each.
    definition = json.loads(STATE_MACHINE_FILE.read_text(encoding="utf-8"))

    # WHEN each Retry and Catch rule's errors are read
    rules = list(_retriers_and_catchers(definition["States"]))

    # THEN each names Step Functions' own errors or a service's (Lambda.*, DynamoDB.*), never a handler's
    assert rules
    for state, resource, errors in rules:
        prefix = {"arn:aws:states:::lambda:invoke": "Lambda."}.get(resource, "DynamoDB.")
        assert all(error.startswith(("States.", prefix)) for error in errors), (state, errors)

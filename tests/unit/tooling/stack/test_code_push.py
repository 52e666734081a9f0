"""The code push: reproducible zips, which deployed functions it updates, how it finds them, and what the
watch mode polls."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path
from typing import Any, cast

import pytest
from botocore.exceptions import ClientError

from tests.unit.fakes import FakeLambda
from ticketflow_dev.stack.code_push import PushError, changed, code_sha256, select, source_fingerprint
from ticketflow_dev.stack.functions import DeployedFunction, StackNotDeployedError, deployed_functions
from ticketflow_infra.bundling import SOURCE_METADATA, function_zip


def _function(
    folder: str | None, code_sha256: str = "deployed", concurrency: int | None = 4
) -> DeployedFunction:
    return DeployedFunction(f"Logical{folder}", f"Ticketflow-{folder}-1A2B", folder, code_sha256, concurrency)


def _asset(root: Path, handler_text: str) -> Path:
    """A function folder as function_asset builds it: a handler beside a shared package."""
    (root / "ticketflow").mkdir(parents=True)
    (root / "ticketflow" / "__init__.py").write_text("")
    (root / "handler.py").write_text(handler_text)
    return root


def test_the_same_code_zips_to_the_same_bytes_and_lambdas_sha(tmp_path: Path) -> None:
    # GIVEN two folders with the same files, written at different times, and one with a changed handler
    first = function_zip(_asset(tmp_path / "a" / "fn-x-1", "VALUE = 1\n"))
    second = function_zip(_asset(tmp_path / "b" / "fn-x-1", "VALUE = 1\n"))
    other = function_zip(_asset(tmp_path / "c" / "fn-x-1", "VALUE = 2\n"))

    # WHEN their CodeSha256 is computed as Lambda does
    # THEN equal code gives equal bytes (a deploy's zip and a push's zip compare equal), other code differs
    assert first.read_bytes() == second.read_bytes()
    assert code_sha256(first) == base64.b64encode(hashlib.sha256(first.read_bytes()).digest()).decode()
    assert code_sha256(first) != code_sha256(other)
    with zipfile.ZipFile(first) as archive:
        assert sorted(archive.namelist()) == ["handler.py", "ticketflow/__init__.py"]


def test_only_functions_whose_deployed_code_differs_are_updated(tmp_path: Path) -> None:
    # GIVEN three deployed functions: one current, one stale, one whose folder was not built
    current_zip = function_zip(_asset(tmp_path / "fn-current-1", "A = 1\n"))
    stale_zip = function_zip(_asset(tmp_path / "fn-stale-1", "B = 2\n"))
    current = _function("current", code_sha256(current_zip))
    stale = _function("stale", "an older sha")
    unbuilt = _function("unbuilt", "anything")

    # WHEN the changed functions are selected
    updates = changed([current, stale, unbuilt], {"current": current_zip, "stale": stale_zip})

    # THEN only the stale one is updated, with its zip and the sha it will report
    assert [(u.function, u.zip_file, u.code_sha256) for u in updates] == [
        (stale, stale_zip, code_sha256(stale_zip))
    ]


def test_select_takes_every_function_or_the_named_folders() -> None:
    # GIVEN three deployed functions
    functions = [_function("detect_sentiment"), _function("s3_writer"), _function("trigger_sfn")]

    # WHEN all or two are selected
    # THEN the selection keeps the stack's order
    assert select(functions) == functions
    assert select(functions, ["trigger_sfn", "detect_sentiment"]) == [functions[0], functions[2]]


def test_select_refuses_an_unknown_folder_naming_the_deployed_ones() -> None:
    # GIVEN two deployed functions
    functions = [_function("detect_sentiment"), _function("s3_writer")]

    # WHEN a folder no function is built from is named
    # THEN the error names it and the deployed ones
    with pytest.raises(PushError, match=r"built from nope \(deployed: detect_sentiment, s3_writer\)"):
        select(functions, ["nope"])


def test_select_asks_for_a_deploy_when_the_stack_does_not_name_its_folders() -> None:
    # GIVEN a stack deployed before functions recorded their folder
    functions = [_function("detect_sentiment"), _function(None)]

    # WHEN functions are selected
    # THEN the error says to deploy once
    with pytest.raises(PushError, match="run `ticketflow deploy` once"):
        select(functions)


class FakeCloudFormation:
    def __init__(self, error: ClientError | None = None) -> None:
        self._error = error

    def describe_stack_resources(self, *, StackName: str) -> dict[str, Any]:  # noqa: N803 (boto3's names)
        assert StackName == "Ticketflow"
        if self._error is not None:
            raise self._error
        return {
            "StackResources": [
                {"LogicalResourceId": "Writer1", "PhysicalResourceId": "Ticketflow-Writer1-X",
                 "ResourceType": "AWS::Lambda::Function"},
                {"LogicalResourceId": "Table1", "PhysicalResourceId": "Ticketflow-Table1-Y",
                 "ResourceType": "AWS::DynamoDB::Table"},
                {"LogicalResourceId": "Trigger1", "PhysicalResourceId": "Ticketflow-Trigger1-Z",
                 "ResourceType": "AWS::Lambda::Function"},
            ]
        }  # fmt: skip

    def get_template(self, *, StackName: str) -> dict[str, Any]:  # noqa: N803 (boto3's names)
        assert StackName == "Ticketflow"
        # A JSON string, as AWS returns a template deployed as JSON.
        return {
            "TemplateBody": (
                '{"Resources": {"Writer1": {"Metadata": {"' + SOURCE_METADATA + '": "s3_writer"}},'
                ' "Trigger1": {}, "Table1": {}}}'
            )
        }


# The writer is reserved (4 at once), the trigger is not.
LAMBDA = FakeLambda(reserved=frozenset({"Ticketflow-Writer1-X"}))


def test_deployed_functions_come_from_the_stack_with_their_folder_code_and_concurrency() -> None:
    # GIVEN a stack with two functions (one naming its folder, one unreserved) and a table
    # WHEN its functions are listed
    functions = deployed_functions(
        cast(Any, FakeCloudFormation()),
        cast(Any, LAMBDA),
        "Ticketflow",
    )

    # THEN both functions are there with what the stack and Lambda say; the unreserved one warms one worker
    assert functions == [
        DeployedFunction("Writer1", "Ticketflow-Writer1-X", "s3_writer", "sha-of-Ticketflow-Writer1-X", 4),
        DeployedFunction("Trigger1", "Ticketflow-Trigger1-Z", None, "sha-of-Ticketflow-Trigger1-Z", None),
    ]
    assert [f.warm_target().concurrency for f in functions] == [4, 1]


def test_a_stack_that_is_not_deployed_says_to_deploy() -> None:
    # GIVEN CloudFormation without the stack
    missing = ClientError(
        {"Error": {"Code": "ValidationError", "Message": "Stack with id Ticketflow does not exist"}},
        "DescribeStackResources",
    )

    # WHEN its functions are listed
    # THEN the error says to deploy first
    with pytest.raises(StackNotDeployedError, match="run `ticketflow deploy` first"):
        deployed_functions(
            cast(Any, FakeCloudFormation(missing)),
            cast(Any, LAMBDA),
            "Ticketflow",
        )


def test_the_source_fingerprint_changes_when_a_source_is_saved(tmp_path: Path) -> None:
    # GIVEN a source tree with a compiled-module cache
    (tmp_path / "pkg" / "__pycache__").mkdir(parents=True)
    source = tmp_path / "pkg" / "module.py"
    source.write_text("A = 1\n")
    before = source_fingerprint([tmp_path])

    # WHEN only the cache changes, then the source
    (tmp_path / "pkg" / "__pycache__" / "module.cpython-311.pyc").write_bytes(b"\0")
    after_cache = source_fingerprint([tmp_path])
    source.write_text("A = 22\n")

    # THEN the cache is ignored and the saved source is seen
    assert after_cache == before
    assert source_fingerprint([tmp_path]) != before

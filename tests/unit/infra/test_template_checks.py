"""The template checks every synth runs (template_checks.py): cfn-lint and asl-validator pass both profiles'
cloud assemblies, fail a broken template and a broken definition, and fail the app's synth."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn

import app as cdk_app
from tests.unit.checked_synth import Checked
from tests.unit.conftest import PROFILES, OfflineApp
from ticketflow_infra.template_checks import (
    LINT_METADATA,
    Finding,
    check_assembly,
    failure_message,
    lint_exception,
)

# The cfn-lint rules the stack makes exceptions to, and on which resource types, each next to its resource
# with the reason. A new one fails the test below, so that accepting it is a reviewed change of this list.
ACCEPTED_EXCEPTIONS = {
    "W3005": {"AWS::Lambda::Function", "AWS::StepFunctions::StateMachine"},  # CDK's DependsOn on the role
}
WORK_STATE = {"Type": "Task", "Resource": "${WorkArn}", "End": True}
WORK = {"StartAt": "Work", "States": {"Work": WORK_STATE}}
NEXT_TO_NOWHERE = {
    "StartAt": "Pick",
    "States": {
        "Pick": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.urgent", "IsPresent": True, "Next": "Nowhere"}],
            "Default": "Work",
        },
        "Work": WORK_STATE,
    },
}
# The construct paths of the broken resources below.
QUEUE_PATH, NO_ARN_PATH, NEXT_TO_NOWHERE_PATH = (
    "Broken/Queue",
    "Broken/NoArn/Resource",
    "Broken/NextToNowhere/Resource",
)


def _stack(outdir: Path) -> cdk.Stack:
    # With the construct paths in the template's Metadata, as `cdk synth` writes them.
    app = cdk.App(outdir=str(outdir), context={"aws:cdk:enable-path-metadata": True})
    return cdk.Stack(app, "Broken", env=cdk.Environment(account="123456789012", region="us-east-1"))


def _machine(
    stack: cdk.Stack, name: str, definition: Mapping[str, Any], work_arn: str, scratch: Path
) -> None:
    """A state machine with `definition` from a file and `${WorkArn}` substituted, as TicketWorkflow has."""
    definition_file = scratch / f"{name}.asl.json"
    definition_file.write_text(json.dumps(definition), encoding="utf-8")
    machine = sfn.StateMachine(
        stack,
        name,
        definition_body=sfn.DefinitionBody.from_file(str(definition_file)),
        definition_substitutions={"WorkArn": work_arn},
    )
    lint_exception(cast(cdk.CfnResource, machine.node.default_child), "W3005", "its role, as in the stack")


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> list[Finding]:
    """The template checks' findings on one cloud assembly (one synth, one cfn-lint run): a queue that
    misspells a property and names a dead-letter queue that does not exist; a task whose resource is a
    substitution (which asl-validator accepts as it is) given no ARN; a choice that goes on to a state the
    machine does not have (its task's resource the stand-in for a function's Fn::GetAtt Arn)."""
    scratch = tmp_path_factory.mktemp("broken")
    stack = _stack(scratch / "cdk.out")
    cdk.CfnResource(
        stack,
        "Queue",
        type="AWS::SQS::Queue",
        properties={
            "VisibilityTimout": 30,
            "RedrivePolicy": {
                "deadLetterTargetArn": {"Fn::GetAtt": ["Missing", "Arn"]},
                "maxReceiveCount": 3,
            },
        },
    )
    function = lambda_.Function(
        stack,
        "Work",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return event\n"),
    )
    lint_exception(cast(cdk.CfnResource, function.node.default_child), "W3005", "its role, as in the stack")
    _machine(stack, "NoArn", WORK, "not-an-arn", scratch)
    _machine(stack, "NextToNowhere", NEXT_TO_NOWHERE, function.function_arn, scratch)
    cast(cdk.App, stack.node.root).synth()
    return check_assembly(scratch / "cdk.out")


def _on(findings: list[Finding], construct: str) -> list[Finding]:
    return [finding for finding in findings if finding.construct == construct]


@pytest.mark.parametrize("profile", PROFILES)
def test_both_profiles_pass_the_template_checks(profile: str, checked: Mapping[str, Checked]) -> None:
    # GIVEN the profile's cloud assembly, synthesized as `cdk synth` does
    outdir = checked[profile].outdir

    # WHEN cfn-lint checks its template and asl-validator its state machine definition
    findings = check_assembly(outdir)

    # THEN neither finds anything
    assert findings == [], failure_message(findings)


@pytest.mark.parametrize("profile", PROFILES)
def test_each_lint_exception_is_an_accepted_one(profile: str, checked: Mapping[str, Checked]) -> None:
    # GIVEN the profile's template
    [template_file] = checked[profile].outdir.glob("*.template.json")
    resources = json.loads(template_file.read_text(encoding="utf-8"))["Resources"]

    # WHEN the cfn-lint exceptions in its resources' Metadata are listed
    exceptions = [
        (logical_id, resource["Type"], rule)
        for logical_id, resource in resources.items()
        for rule in resource.get("Metadata", {})
        .get(LINT_METADATA, {})
        .get("config", {})
        .get("ignore_checks", [])
    ]

    # THEN there are some, and each is an accepted rule on a resource type it is accepted for
    assert exceptions
    for logical_id, resource_type, rule in exceptions:
        assert resource_type in ACCEPTED_EXCEPTIONS.get(rule, set()), (
            f"{rule} on {logical_id} ({resource_type})"
        )


def test_findings_are_on_the_broken_resources_only(broken: list[Finding]) -> None:
    # GIVEN the findings on the broken cloud assembly
    # WHEN / THEN they are on the queue and the two state machines, none on the function
    assert {finding.construct for finding in broken} == {QUEUE_PATH, NO_ARN_PATH, NEXT_TO_NOWHERE_PATH}


def test_cfn_lint_fails_a_broken_template(broken: list[Finding]) -> None:
    # GIVEN the queue that misspells a property and names a dead-letter queue that does not exist
    # WHEN the template checks ran on its cloud assembly
    findings = _on(broken, QUEUE_PATH)

    # THEN cfn-lint names both mistakes, and the failure message gives file, resource, construct and rule
    assert sorted((f.resource, f.rule) for f in findings) == [("Queue", "E1010"), ("Queue", "E3002")]
    assert any("VisibilityTimout" in f.message for f in findings)
    assert any("Missing" in f.message for f in findings)
    assert f"Broken.template.json Queue ({QUEUE_PATH}) E3002: " in failure_message(broken)


def test_the_definition_is_checked_with_its_substitutions_applied(broken: list[Finding]) -> None:
    # GIVEN the task whose resource is a substitution, given no ARN
    # WHEN the template checks ran on its cloud assembly
    findings = _on(broken, NO_ARN_PATH)

    # THEN asl-validator rejects the resource: it checked the definition as Step Functions receives it
    assert [f.rule for f in findings] == ["SCHEMA_VALIDATION_FAILED"]
    assert findings[0].message.startswith("/States/Work/Resource is invalid")


def test_asl_validation_fails_a_next_to_a_missing_state(broken: list[Finding]) -> None:
    # GIVEN the state machine whose choice goes on to a state it does not have
    # WHEN the template checks ran on its cloud assembly
    [finding] = _on(broken, NEXT_TO_NOWHERE_PATH)

    # THEN asl-validator names the missing target on the state machine's resource, and the message says so
    assert finding.rule == "MISSING_TRANSITION_TARGET"
    assert "Nowhere" in finding.message
    assert f"{finding.resource} ({NEXT_TO_NOWHERE_PATH}) MISSING_TRANSITION_TARGET: " in failure_message(
        broken
    )


def test_the_app_fails_the_synth_on_a_finding(offline_app: OfflineApp) -> None:
    # GIVEN infra/app.py run offline, and template checks that find a problem
    finding = Finding(
        "Ticketflow.template.json", "Queue", "Ticketflow/Queue", "E3002", "'Bogus' was unexpected"
    )
    offline_app.findings = [finding]

    # WHEN its main synthesizes
    with pytest.raises(SystemExit) as exit_info:
        cdk_app.main()

    # THEN it checked the cloud assembly it wrote, and exits non-zero with the finding
    assert [path.resolve() for path in offline_app.checked_assemblies] == [offline_app.outdir.resolve()]
    assert isinstance(exit_info.value.code, str)
    assert str(finding) in exit_info.value.code


def test_a_lint_exception_needs_a_reason(tmp_path: Path) -> None:
    # GIVEN a resource
    resource = cdk.CfnResource(_stack(tmp_path), "Queue", type="AWS::SQS::Queue")

    # WHEN / THEN an exception to a rule without a reason is refused
    with pytest.raises(ValueError, match="W3005 needs a reason"):
        lint_exception(resource, "W3005", " ")

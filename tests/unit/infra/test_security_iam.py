"""Least privilege, read from each profile's synthesized template: every IAM policy statement of the stack.

A `*` action (or `service:*`) is never allowed. A `*` resource is allowed only for actions AWS offers no
resource-level permission for, some of them only under a condition that narrows them instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from aws_cdk.assertions import Template

from tests.unit.conftest import PROFILES
from ticketflow_infra.enrichment import profile_model
from ticketflow_infra.settings import Settings

# Actions with no resource-level permission, allowed on "*" (with the condition key that must narrow them).
NO_RESOURCE_LEVEL: Mapping[str, str | None] = {
    "comprehend:DetectSentiment": None,
    "cloudwatch:PutMetricData": "cloudwatch:namespace",
    # The Redshift Data API's statement ids have no ARN: only the statements this role started.
    "redshift-data:DescribeStatement": "redshift-data:statement-owner-iam-userid",
    "redshift-data:GetStatementResult": "redshift-data:statement-owner-iam-userid",
}
# Action patterns CDK grants emit, allowed only on resources of the given type: encrypting with a key takes
# GenerateDataKey and its variants (topic.grant_publish on an encrypted topic).
PATTERNS_ON: Mapping[str, str] = {"kms:GenerateDataKey*": "AWS::KMS::Key"}
# Allowed on "*" only where the template turns the feature on.
TRACING = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
}
LOG_DELIVERY = {  # Step Functions' vended logs (AWS documents these as Resource "*")
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
}


@dataclass(frozen=True)
class Statement:
    policy: str  # the logical id of the policy or role that holds it
    actions: tuple[str, ...]
    resources: tuple[str, ...]  # rendered: "<Logical.Arn>", "<AWS::Region>" for intrinsics
    conditions: Mapping[str, Any]
    raw: Mapping[str, Any]


def render(value: Any) -> str:
    """A resource as one string, intrinsics written `<LogicalId.Attr>` / `<Ref>` as cdk-nag does."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(render(part) for part in parts)
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return "<{}.{}>".format(*value["Fn::GetAtt"])
    if isinstance(value, dict) and "Ref" in value:
        return f"<{value['Ref']}>"
    raise AssertionError(f"an unexpected intrinsic in a policy: {value}")


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(template: Template) -> Iterator[Statement]:
    """Every statement of every AWS::IAM::Policy, AWS::IAM::ManagedPolicy and inline role policy."""
    documents: list[tuple[str, Mapping[str, Any]]] = []
    for kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for logical_id, resource in template.find_resources(kind).items():
            documents.append((logical_id, resource["Properties"]["PolicyDocument"]))
    for logical_id, role in template.find_resources("AWS::IAM::Role").items():
        for inline in role["Properties"].get("Policies", []):
            documents.append((logical_id, inline["PolicyDocument"]))
    for policy, document in documents:
        for raw in document["Statement"]:
            yield Statement(
                policy,
                tuple(_listed(raw.get("Action", []))),
                tuple(render(r) for r in _listed(raw.get("Resource", []))),
                raw.get("Condition", {}),
                raw,
            )


def condition_keys(statement: Statement) -> set[str]:
    return {key for operator in statement.conditions.values() for key in operator}


def features(template: Template) -> set[str]:
    """The features that bring their own `*` actions: tracing, and Step Functions' log delivery."""
    on = set()
    machines = template.find_resources("AWS::StepFunctions::StateMachine").values()
    if any(m["Properties"].get("TracingConfiguration", {}).get("Enabled") for m in machines):
        on.add("tracing")
    if any(m["Properties"].get("LoggingConfiguration") for m in machines):
        on.add("log-delivery")
    return on


def star_resource_problem(statement: Statement, enabled: set[str]) -> str | None:
    """Why `statement`, which names the resource "*", is not allowed to; None if it is."""
    for action in statement.actions:
        if action in TRACING and "tracing" in enabled:
            continue
        if action in LOG_DELIVERY and "log-delivery" in enabled:
            continue
        if action not in NO_RESOURCE_LEVEL:
            return f"{action} on * (it has resource-level permissions)"
        required = NO_RESOURCE_LEVEL[action]
        if required is not None and required not in condition_keys(statement):
            return f"{action} on * without a {required} condition"
    return None


@pytest.mark.parametrize("profile", PROFILES)
def test_no_wildcard_action(profile: str, profile_templates: Mapping[str, Template]) -> None:
    # GIVEN every IAM statement of the profile's template
    found = list(statements(profile_templates[profile]))

    keys = {f"<{lid}.Arn>" for lid in profile_templates[profile].find_resources("AWS::KMS::Key")}
    allowed_on = {"AWS::KMS::Key": keys}

    # WHEN the actions with a wildcard are collected, but for a known pattern on its resources only
    wild = [
        (s.policy, a)
        for s in found
        for a in s.actions
        if "*" in a and not (a in PATTERNS_ON and set(s.resources) <= allowed_on[PATTERNS_ON[a]])
    ]

    # THEN there are statements, none allows "*", "service:*" or another pattern, and none uses NotAction
    # or NotResource (which allow everything else)
    assert found
    assert [a for _, a in wild if a == "*" or a.endswith(":*")] == []
    assert wild == []
    assert [s.policy for s in found if "NotAction" in s.raw or "NotResource" in s.raw] == []
    assert {s.raw.get("Effect") for s in found} == {"Allow"}


@pytest.mark.parametrize("profile", PROFILES)
def test_star_resources_only_where_aws_has_no_resource_level_permission(
    profile: str, profile_templates: Mapping[str, Template]
) -> None:
    # GIVEN the profile's template and the features it turns on
    template = profile_templates[profile]
    enabled = features(template)

    # WHEN each statement naming the resource "*" is checked against the allowed actions
    problems = [
        f"{s.policy}: {problem}"
        for s in statements(template)
        if "*" in s.resources and (problem := star_resource_problem(s, enabled)) is not None
    ]

    # THEN none is left
    assert problems == []


@pytest.mark.parametrize("profile", PROFILES)
def test_bedrock_is_scoped_to_the_configured_model(
    profile: str, profile_templates: Mapping[str, Template]
) -> None:
    # GIVEN the configured model (an inference profile by default) and the template's Bedrock statements
    model_id = Settings(profile=profile).bedrock_model_id
    foundation_model = profile_model(model_id)
    bedrock = [
        s for s in statements(profile_templates[profile]) if any(a.startswith("bedrock:") for a in s.actions)
    ]

    # WHEN their actions and resources are collected
    actions = {a for s in bedrock for a in s.actions}
    resources = {r for s in bedrock for r in s.resources}

    # THEN it may invoke that profile and the model it routes to (in any of its Regions), nothing else
    assert actions == {"bedrock:InvokeModel"}
    assert foundation_model is not None
    assert resources == {
        f"arn:<AWS::Partition>:bedrock:<AWS::Region>:<AWS::AccountId>:inference-profile/{model_id}",
        f"arn:<AWS::Partition>:bedrock:*::foundation-model/{foundation_model}",
    }


@pytest.mark.parametrize("profile", PROFILES)
def test_roles_carry_no_managed_policy(profile: str, profile_templates: Mapping[str, Template]) -> None:
    # GIVEN / WHEN every role of the template
    roles = profile_templates[profile].find_resources("AWS::IAM::Role")

    # THEN none has a managed policy (AWSLambdaBasicExecutionRole may write to every log group)
    assert roles
    assert {
        lid: r["Properties"]["ManagedPolicyArns"]
        for lid, r in roles.items()
        if "ManagedPolicyArns" in r["Properties"]
    } == {}


@pytest.mark.parametrize("profile", PROFILES)
def test_each_function_writes_to_its_own_log_group_only(
    profile: str, profile_templates: Mapping[str, Template]
) -> None:
    # GIVEN each function, its role and its log group
    template = profile_templates[profile]
    functions = template.find_resources("AWS::Lambda::Function")
    by_policy: dict[str, list[Statement]] = {}
    for statement in statements(template):
        by_policy.setdefault(statement.policy, []).append(statement)
    policies = template.find_resources("AWS::IAM::Policy")

    for logical_id, function in functions.items():
        properties = function["Properties"]
        role = properties["Role"]["Fn::GetAtt"][0]
        log_group = properties["LoggingConfig"]["LogGroup"]["Ref"]

        # WHEN the log statements of the role's policies are collected
        attached = [pid for pid, p in policies.items() if {"Ref": role} in p["Properties"]["Roles"]]
        log_statements = [
            s for pid in attached for s in by_policy[pid] if any(a.startswith("logs:") for a in s.actions)
        ]

        # THEN it may create streams and put events in its own log group, and nowhere else
        assert [s.resources for s in log_statements] == [(f"<{log_group}.Arn>",)], logical_id
        assert {a for s in log_statements for a in s.actions} == {"logs:CreateLogStream", "logs:PutLogEvents"}

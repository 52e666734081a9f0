"""Security checks on every synth: cdk-nag's AWS Solutions rules, and the one way to acknowledge a finding.

cdk-nag 3 is a CDK policy-validation plugin (not an aspect): an unacknowledged finding, error or warning,
fails `app.synth()`, so `ticketflow synth`, `ticketflow deploy` and `cdk synth` all stop on it, and the
findings are in `validation-report.json` in the cloud assembly (cdk.out/). An acknowledgment sits in code next
to the resource it concerns, with the reason, and is copied into that resource's Metadata (`cdk_nag`).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct


def check_best_practices(app: cdk.App) -> None:
    """Runs the AWS Solutions rules on everything in `app` when it is synthesized."""
    cdk.Validations.of(app).add_plugins(
        AwsSolutionsChecks(app, verbose=True, write_suppressions_to_cloud_formation=True)
    )


def acknowledge(construct: IConstruct, rule: str, reason: str) -> None:
    """Accepts one finding (`AwsSolutions-L1`, `AwsSolutions-IAM5[Resource::*]`) on `construct` and below."""
    if not reason.strip():
        raise ValueError(f"acknowledging {rule} needs a reason")
    cdk.Validations.of(construct).acknowledge(cdk.Acknowledgment(id=rule, reason=reason))


def finding_resource(scope: IConstruct, arn: str) -> str:
    """How cdk-nag writes `arn` in a finding's id, as the stack of `scope` resolves it (region, partition,
    account as literals where the stack knows them): `<Bucket.Arn>/tickets/*`, `arn:aws:redshift:...`."""
    return _render(cdk.Stack.of(scope).resolve(arn))


def _render(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_render(part) for part in parts)
    if isinstance(value, dict) and "Ref" in value:
        return f"<{value['Ref']}>"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return "<{}.{}>".format(*value["Fn::GetAtt"])
    raise ValueError(f"cannot tell how cdk-nag writes {value!r}")


def role_of(function: lambda_.IFunction) -> iam.IRole:
    """The function's execution role, where its policy findings are acknowledged."""
    if function.role is None:
        raise ValueError(f"{function.node.path} has no execution role")
    return function.role

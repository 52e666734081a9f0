"""The deployed stack's policies, written where the in-flight check reads them
(`<home>/iam/<stack>.policies.json`) from the template CloudFormation deployed (GetTemplate) and its
resources' physical ids, after every deploy."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ticketflow_dev.iam.extraction import stack_policies
from ticketflow_dev.iam.intrinsics import Environment, Resolver
from ticketflow_infra.settings import Settings
from ticketflow_parity.iam.deployed import FILE_SUFFIX, StackPolicies

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient


FOLDER = "iam"  # under the stack's home (Settings.home)


def policy_folder(settings: Settings) -> Path:
    """Set on the emulator as TICKETFLOW_IAM_DIR: every function's interpreter reads its policies here."""
    return settings.home.absolute() / FOLDER


def policy_file(settings: Settings, stack_name: str | None = None) -> Path:
    return policy_folder(settings) / f"{stack_name or settings.stack_name}{FILE_SUFFIX}"


def deployed_resolver(cloudformation: CloudFormationClient, stack_name: str) -> Resolver:
    """The deployed template, resolved against the stack's physical ids (account and Region: its id's)."""
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    _, _, _, region, account, _ = stack["StackId"].split(":", 5)
    body: Any = cloudformation.get_template(StackName=stack_name, TemplateStage="Original")["TemplateBody"]
    template: Mapping[str, Any] = json.loads(body) if isinstance(body, str) else body
    pages = cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack_name)
    physical = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for page in pages
        for r in page["StackResourceSummaries"]
        if "PhysicalResourceId" in r
    }
    return Resolver(template, Environment(account, region, stack_name), physical)


def write_policies(
    settings: Settings, cloudformation: CloudFormationClient, stack_name: str | None = None
) -> Path:
    """Writes the stack's policy file (renamed into place: a function never reads half a file)."""
    name = stack_name or settings.stack_name
    resolver = deployed_resolver(cloudformation, name)
    data = stack_policies(resolver)
    StackPolicies.from_json(data)  # what the check will read must load
    path = policy_file(settings, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    partial.replace(path)
    return path


def refresh_policies(settings: Settings, cloudformation: CloudFormationClient) -> list[str]:
    """Each policy file rewritten from the stack the emulator holds now, or removed with its stack: after a
    restart, a crash or a snapshot's load it may hold another version of the stack than the last deploy
    wrote. The stacks whose files were removed."""
    removed = []
    for path in sorted(policy_folder(settings).glob(f"*{FILE_SUFFIX}")):
        stack_name = path.name.removesuffix(FILE_SUFFIX)
        try:
            write_policies(settings, cloudformation, stack_name)
        except ClientError as error:
            if "does not exist" not in str(error):
                raise
            path.unlink(missing_ok=True)
            removed.append(stack_name)
    return removed


def remove_policies(settings: Settings, stack_name: str | None = None) -> None:
    policy_file(settings, stack_name).unlink(missing_ok=True)


def read_policies(settings: Settings, stack_name: str | None = None) -> StackPolicies:
    path = policy_file(settings, stack_name)
    return StackPolicies.from_json(json.loads(path.read_text(encoding="utf-8")))

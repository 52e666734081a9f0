"""Template checks on every synth: cfn-lint on each stack's template, asl-validator on each state machine's
definition as Step Functions receives it (state_machine_definitions.py).

app.py runs them on the cloud assembly after `app.synth()`, so `ticketflow synth`, `ticketflow deploy` and
`cdk synth` stop on a finding; errors and warnings alike fail, as with cdk-nag. An exception to a cfn-lint
rule sits in code next to the resource it concerns, with the reason (`lint_exception`), and reaches cfn-lint
as that resource's Metadata (`cfn-lint: config: ignore_checks`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from cfnlint.api import lint
from cfnlint.config import ManualArgs
from cfnlint.match import Match

from ticketflow_infra.state_machine_definitions import asl_errors, received_definitions

LINT_METADATA = "cfn-lint"
_UNKNOWN_REGION = "unknown-region"  # an environment-agnostic stack's
_DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class Finding:
    template: str  # the template's file name in the cloud assembly
    resource: str  # logical id; empty for the template as a whole
    construct: str  # the resource's construct path, where the fix goes; empty if unknown
    rule: str  # cfn-lint's rule (E3002) or asl-validator's error code (MISSING_TRANSITION_TARGET)
    message: str

    def __str__(self) -> str:
        where = f"{self.resource} ({self.construct})" if self.construct else self.resource or "(template)"
        return f"{self.template} {where} {self.rule}: {self.message}"


def check_assembly(directory: Path) -> list[Finding]:
    """Every finding on the stacks of the cloud assembly in `directory` (none when all are clean)."""
    artifacts = _read_json(directory / "manifest.json")["artifacts"].values()
    assets = {
        destination["objectKey"]: directory / entry["source"]["path"]
        for artifact in artifacts
        if artifact["type"] == "cdk:asset-manifest"
        for entry in _read_json(directory / artifact["properties"]["file"]).get("files", {}).values()
        for destination in entry["destinations"].values()
    }
    findings = []
    for artifact in artifacts:
        if artifact["type"] == "aws:cloudformation:stack":
            region = artifact["environment"].rsplit("/", 1)[1]
            template_file = directory / artifact["properties"]["templateFile"]
            findings += _check_stack(
                template_file, _DEFAULT_REGION if region == _UNKNOWN_REGION else region, assets
            )
    return findings


def _check_stack(template_file: Path, region: str, assets: Mapping[str, Path]) -> list[Finding]:
    text = template_file.read_text(encoding="utf-8")
    template = json.loads(text)
    resources: Mapping[str, Any] = template.get("Resources", {})

    def finding(resource: str, rule: str, message: str) -> Finding:
        construct = resources.get(resource, {}).get("Metadata", {}).get("aws:cdk:path", "")
        return Finding(template_file.name, resource, construct, rule, message)

    findings = [
        finding(_resource_of(match), match.rule.id, match.message)
        for match in lint(text, config=ManualArgs(regions=[region]))
    ]
    for logical_id, definition in received_definitions(template, assets, region).items():
        findings += [finding(logical_id, code, message) for code, message in asl_errors(definition)]
    return findings


def _resource_of(match: Match) -> str:
    path: list[object] = getattr(match, "path", [])  # a template that does not parse has none
    return str(path[1]) if len(path) > 1 and path[0] == "Resources" else ""


def _read_json(path: Path) -> dict[str, Any]:
    content: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return content


def failure_message(findings: list[Finding]) -> str:
    """What a failed synth prints: each finding on a line, and what to do about them."""
    lines = "\n".join(f"  {finding}" for finding in findings)
    return (
        f"The template checks (cfn-lint, asl-validator) found {len(findings)} problem(s):\n{lines}\n"
        "Fix the construct (or the state machine definition); an exception to a cfn-lint rule goes next to"
        " its resource with template_checks.lint_exception and the reason."
    )


def lint_exception(resource: cdk.CfnResource, rule: str, reason: str) -> None:
    """Has cfn-lint skip `rule` (`W3005`) on `resource` alone. The reason is required, as for a cdk-nag
    acknowledgment, so that it is read beside the call; cfn-lint's Metadata has no place for it."""
    if not reason.strip():
        raise ValueError(f"an exception to cfn-lint's {rule} needs a reason")
    metadata = resource.get_metadata(LINT_METADATA) or {"config": {"ignore_checks": []}}
    metadata["config"]["ignore_checks"].append(rule)
    resource.add_metadata(LINT_METADATA, metadata)

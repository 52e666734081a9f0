"""cdk-nag's AWS Solutions checks on both profiles: no unacknowledged finding, every acknowledgment reviewed.

cdk-nag 3 reports through CDK's policy validation (a failed `app.synth()` and `validation-report.json`), not
through annotations; both are read here, so a finding cannot hide in either.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Annotations, Match
from constructs import IConstruct

import app as cdk_app
from tests.unit.conftest import PROFILES, synthesize
from ticketflow_infra.security import check_best_practices

ACKNOWLEDGED = "aws:cdk:acknowledged-rules"
NAG_RULE = Match.string_like_regexp("AwsSolutions-.*")
MIN_REASON = 30  # a sentence a reviewer can check, not "n/a"
# The kinds of finding this stack accepts, each acknowledged next to its resource with a reason. A new kind
# fails the test below, so that accepting it is a reviewed change of this list.
ACCEPTED_RULES = {
    "AwsSolutions-L1",  # runtime follows the supported Python range and the bundled wheels
    "AwsSolutions-S1",  # archive access logging: CloudTrail data events instead
    "AwsSolutions-SQS3",  # the dead-letter queue has no dead-letter queue of its own
    "AwsSolutions-SMG4",  # the Redshift password is rotated with the database user, not by a Lambda
    "AwsSolutions-IAM5",  # wildcards AWS or a CDK grant requires, each finding named on its own
}


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    path: str

    def __str__(self) -> str:
        return f"{self.severity} {self.rule} at {self.path}"


@dataclass(frozen=True)
class Checked:
    stack: cdk.Stack
    findings: list[Finding]


def validation_findings(outdir: Path) -> list[Finding]:
    """Every violation in the cloud assembly's validation report (errors and warnings alike)."""
    report = json.loads((outdir / "validation-report.json").read_text(encoding="utf-8"))
    return [
        Finding(violation["ruleName"], violation["severity"], construct["constructPath"])
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
    ]


def synth_checked(app: cdk.App, outdir: Path) -> list[Finding]:
    """Synthesizes `app` with the checks on; its findings (none when the synth passes)."""
    check_best_practices(app)
    try:
        app.synth()
    except RuntimeError as error:
        if not str(error).startswith("ValidationFailed"):
            raise
        return validation_findings(outdir)
    return []


@pytest.fixture(scope="module")
def checked(stub_shared_code: Path, tmp_path_factory: pytest.TempPathFactory) -> Mapping[str, Checked]:
    """Each profile's stack synthesized with the checks on as `cdk synth` does, once per module."""
    results = {}
    for profile in PROFILES:
        outdir = tmp_path_factory.mktemp(f"cdk-out-{profile}")
        app, stack = synthesize(profile, stub_shared_code, outdir, like_the_cli=True)
        results[profile] = Checked(stack, synth_checked(app, outdir))
    return results


def acknowledgments(root: IConstruct) -> Iterator[tuple[str, str, str]]:
    """(construct path, rule id, reason) of every acknowledgment at or below `root`."""
    for construct in root.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == ACKNOWLEDGED:
                data: dict[str, Any] = entry.data
                for rule, reason in data.items():
                    yield construct.node.path, rule.removeprefix("Annotation::"), str(reason)


@pytest.mark.parametrize("profile", PROFILES)
def test_no_unacknowledged_finding(profile: str, checked: Mapping[str, Checked]) -> None:
    # GIVEN the profile's stack synthesized with the AWS Solutions checks, as `make synth` does
    result = checked[profile]

    # WHEN the validation report is read
    findings = [str(f) for f in result.findings]

    # THEN it holds no error or warning, and neither do the stack's annotations
    assert findings == []
    annotations = Annotations.from_stack(result.stack)
    flagged = [*annotations.find_error("*", NAG_RULE), *annotations.find_warning("*", NAG_RULE)]
    assert [f"{m.id}: {m.entry.data}" for m in flagged] == []


def test_the_checks_do_run_and_fail_the_synth(tmp_path: Path) -> None:
    # GIVEN a stack with a bucket that neither enforces TLS nor logs access
    app = cdk.App(outdir=str(tmp_path))
    s3.Bucket(cdk.Stack(app, "Unsafe"), "Open")

    # WHEN it is synthesized with the same checks as the app
    findings = synth_checked(app, tmp_path)

    # THEN the synth failed and the report names the findings (so a clean report above means something)
    assert {f.rule for f in findings} >= {"AwsSolutions-S1", "AwsSolutions-S10"}
    assert {f.path for f in findings} == {"Unsafe/Open/Resource"}


@pytest.mark.parametrize("profile", PROFILES)
def test_each_acknowledgment_is_on_a_resource_with_a_reason(
    profile: str, checked: Mapping[str, Checked]
) -> None:
    # GIVEN every acknowledgment in the profile's stack
    stack = checked[profile].stack
    found = list(acknowledgments(stack.node.root))

    # WHEN / THEN there are some, none is on the app or the whole stack, each is an accepted kind with a
    # reason, and each names one finding (an IAM5 acknowledgment names the action or resource it accepts)
    assert found
    for path, rule, reason in found:
        assert path not in ("", stack.node.path), f"{rule} acknowledged for everything under {path!r}"
        assert rule.split("[", 1)[0] in ACCEPTED_RULES, f"{rule} at {path}"
        assert len(reason.strip()) >= MIN_REASON, f"{rule} at {path}: {reason!r}"
        if rule.startswith("AwsSolutions-IAM5"):
            assert rule.endswith("]"), f"{rule} at {path} accepts every wildcard"


def test_the_app_runs_the_checks_on_every_synth(
    stub_shared_code: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN infra/app.py with the shared code stubbed and the checks observed
    seen: list[cdk.App] = []

    def observed(app: cdk.App) -> None:
        seen.append(app)
        check_best_practices(app)

    app_class = cdk.App
    monkeypatch.setattr(cdk_app, "build_shared_code", lambda _target: stub_shared_code)
    monkeypatch.setattr(cdk_app, "check_best_practices", observed)
    # The jsii kernel is already running, so CDK_OUTDIR would not reach it: the outdir is passed instead.
    monkeypatch.setattr(cdk, "App", lambda: app_class(outdir=str(tmp_path)))
    monkeypatch.setenv("TICKETFLOW_PROFILE", "local")

    # WHEN its main synthesizes
    cdk_app.main()

    # THEN the checks were added to the app it synthesized, and the template is in the cloud assembly
    assert len(seen) == 1
    assert list(tmp_path.glob("*.template.json"))

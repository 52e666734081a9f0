"""cdk-nag's AWS Solutions checks on both profiles: no unacknowledged finding, every acknowledgment reviewed.

cdk-nag 3 reports through CDK's policy validation (a failed `app.synth()` and `validation-report.json`), not
through annotations; both are read here, so a finding cannot hide in either.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Annotations, Match
from constructs import IConstruct

import app as cdk_app
from tests.unit.checked_synth import Checked, synth_checked
from tests.unit.conftest import PROFILES, OfflineApp
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
    offline_app: OfflineApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN infra/app.py run offline, with the checks observed
    seen: list[cdk.App] = []

    def observed(app: cdk.App) -> None:
        seen.append(app)
        check_best_practices(app)

    monkeypatch.setattr(cdk_app, "check_best_practices", observed)

    # WHEN its main synthesizes
    cdk_app.main()

    # THEN the checks were added to the app it synthesized, and the template is in the cloud assembly
    assert len(seen) == 1
    assert list(offline_app.outdir.glob("*.template.json"))

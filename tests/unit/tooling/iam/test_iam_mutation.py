"""The mutation check (issue 23): for every grant the stack makes, the requests one whole e2e run recorded
(tests/recordings/iam_calls.json, `make iam-recording`), evaluated against the synthesized template without
that grant, include at least one denial; a grant nothing needs is unused and fails here.

Offline: the local profile's template as `cdk synth` writes it, resolved with placeholders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pytest

from ticketflow_dev.iam.mutation import Grant, grants, mutation_report, offline_policies
from ticketflow_dev.iam.run_recording import COMMITTED, REFRESH_TARGET, read_committed
from ticketflow_infra.settings import Settings
from ticketflow_parity.iam.deployed import Role, StackPolicies
from ticketflow_parity.iam.evaluation import Policy
from ticketflow_parity.iam.recording import Recorded

# Actions a needed statement grants that no recorded request needs, each with why it stays.
KNOWN_UNUSED: Mapping[str, str] = {}


@pytest.fixture(scope="module")
def stack(templates: Mapping[str, dict[str, Any]]) -> StackPolicies:
    settings = Settings(profile="local")
    return offline_policies(templates["local"], "000000000000", settings.region, settings.stack_name)


@pytest.fixture(scope="module")
def recorded() -> list[Recorded]:
    records = read_committed()
    assert records, f"{COMMITTED} holds no requests: run `{REFRESH_TARGET}`"
    return records


def test_the_template_allows_every_recorded_request(stack: StackPolicies, recorded: list[Recorded]) -> None:
    # GIVEN the template and the recording / WHEN the recording is evaluated against the whole template
    report = mutation_report(stack, recorded)
    # THEN nothing is denied (a green e2e run recorded it)
    assert [(r.role, r.action, r.resource) for r in report.baseline] == []


def test_every_grant_is_needed_by_a_recorded_request(stack: StackPolicies, recorded: list[Recorded]) -> None:
    # GIVEN every Allow statement of every role's policies
    # WHEN each is removed in turn and the recording evaluated again
    report = mutation_report(stack, recorded)
    # THEN each removal denies at least one recorded request: no grant is unused
    unused = [grant.describe(stack) for grant in report.unused]
    assert unused == [], (
        f"grants no recorded request needs (remove them, or record what needs them): {unused}"
    )
    assert len(report.needed_by) == len(grants(stack)) > 0


def test_the_archive_writers_put_is_what_needs_its_grant(
    stack: StackPolicies, recorded: list[Recorded]
) -> None:
    # GIVEN the archive writer's grant of s3:PutObject (on the archive's tickets/)
    report = mutation_report(stack, recorded)
    grant = next(
        g
        for g in report.needed_by
        if g.role.startswith("StorageS3Writer") and "s3:PutObject" in g.of(stack)[1].actions
    )
    # WHEN / THEN without it, the writer's put of a ticket is what is denied
    assert [(r.caller, r.action, r.resource) for r in report.needed_by[grant]] == [
        ("<StorageS3Writer9D5F23E4>", "s3:PutObject", "arn:aws:s3:::<StorageArchiveEF4C9845>/tickets/<key>")
    ]


def test_actions_no_request_needs_are_only_the_known_ones(
    stack: StackPolicies, recorded: list[Recorded]
) -> None:
    # GIVEN the needed statements / WHEN each of their actions is removed alone
    report = mutation_report(stack, recorded)
    unused = {action for actions in report.unused_actions.values() for action in actions}
    # THEN the actions nothing needs are the known ones, each kept for its reason
    assert unused == set(KNOWN_UNUSED)


def test_a_grant_nothing_needs_is_reported_unused(stack: StackPolicies, recorded: list[Recorded]) -> None:
    # GIVEN the writer's role with one grant more, which no recorded request needs nor overlaps: deleting
    # archive objects
    role_id = next(r for r in stack.roles if r.startswith("StorageS3Writer"))
    role = stack.roles[role_id]
    extra = Policy.parse(
        "Extra",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:DeleteObject",
                    "Resource": "arn:aws:s3:::<StorageArchiveEF4C9845>/*",
                }
            ],
        },
    )
    wider = replace(
        stack, roles={**stack.roles, role_id: Role(role.logical_id, role.arn, (*role.policies, extra))}
    )
    # WHEN the mutation check runs
    report = mutation_report(wider, recorded)
    # THEN that grant, and only it, is unused
    assert report.unused == [Grant(role_id, len(role.policies), 0)]

"""The mutation check: every grant the stack makes is needed. For each statement of each role's policies,
the recorded requests are evaluated against the template without it; at least one must then be denied, or
the grant is unused. Offline: the synthesized template resolved with placeholders (`<LogicalId>`), the
recorded requests as recorded (by logical id).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ticketflow_dev.iam.extraction import stack_policies
from ticketflow_dev.iam.intrinsics import Environment, Resolver
from ticketflow_parity.iam.actions import Intent
from ticketflow_parity.iam.deployed import Role, StackPolicies
from ticketflow_parity.iam.evaluation import Policy, Statement
from ticketflow_parity.iam.recording import Recorded, rename


def _renamed(value: Any, account: str, region: str) -> Any:
    if isinstance(value, str):
        return rename(value, (), account, region)
    if isinstance(value, list):
        return [_renamed(item, account, region) for item in value]
    if isinstance(value, dict):
        return {key: _renamed(item, account, region) for key, item in value.items()}
    return value


def offline_policies(
    template: Mapping[str, Any], account: str, region: str, stack_name: str
) -> StackPolicies:
    """The template's policies as recorded requests name things: logical ids, account and Region
    placeholders."""
    data = stack_policies(Resolver(template, Environment(account, region, stack_name), None))
    renamed = _renamed(data, account, region)
    renamed["account"], renamed["region"] = account, region
    return StackPolicies.from_json(renamed)


@dataclass(frozen=True)
class Grant:
    """One statement of one policy of one role."""

    role: str
    policy: int
    statement: int

    def of(self, stack: StackPolicies) -> tuple[Policy, Statement]:
        policy = stack.roles[self.role].policies[self.policy]
        return policy, policy.statements[self.statement]

    def describe(self, stack: StackPolicies) -> str:
        policy, statement = self.of(stack)
        actions = ", ".join(statement.actions or statement.not_actions)
        resources = ", ".join(statement.resources or statement.not_resources)
        return f"{self.role} / {policy.name} #{self.statement}: {statement.effect} {actions} on {resources}"


def grants(stack: StackPolicies) -> list[Grant]:
    return [
        Grant(role_id, p, s)
        for role_id, role in sorted(stack.roles.items())
        for p, policy in enumerate(role.policies)
        for s, statement in enumerate(policy.statements)
        if statement.effect == "Allow"
    ]


def _without(stack: StackPolicies, grant: Grant, statement: Statement | None) -> StackPolicies:
    """`stack` with the grant's statement removed (None) or replaced."""
    role = stack.roles[grant.role]
    policy = role.policies[grant.policy]
    kept = [s for i, s in enumerate(policy.statements) if i != grant.statement]
    if statement is not None:
        kept.insert(grant.statement, statement)
    policies = list(role.policies)
    policies[grant.policy] = replace(policy, statements=tuple(kept))
    roles = dict(stack.roles) | {grant.role: Role(role.logical_id, role.arn, tuple(policies))}
    return replace(stack, roles=roles)


def denied(stack: StackPolicies, records: Iterable[Recorded]) -> list[Recorded]:
    """The recorded requests `stack` would deny."""
    refused = []
    for record in records:
        if record.role not in stack.roles:
            raise LookupError(f"the recording names role {record.role}, which the template does not have")
        intent = Intent(record.action, record.resource, record.context)
        verdict = stack.decide(record.role, record.caller, intent, via_service=record.via_service)
        if not verdict.decision.allowed:
            refused.append(record)
    return refused


@dataclass(frozen=True)
class Report:
    baseline: list[Recorded]  # recorded requests the template itself denies (none, for a green run)
    needed_by: Mapping[Grant, list[Recorded]]  # each grant → the requests denied without it
    unused_actions: Mapping[Grant, list[str]]  # a needed grant's actions that no request needs

    @property
    def unused(self) -> list[Grant]:
        return [grant for grant, records in self.needed_by.items() if not records]


def _unused_actions(stack: StackPolicies, grant: Grant, records: Sequence[Recorded]) -> list[str]:
    _, statement = grant.of(stack)
    unused = []
    for action in statement.actions:
        fewer = replace(statement, actions=tuple(a for a in statement.actions if a != action))
        if not denied(_without(stack, grant, fewer if fewer.actions else None), records):
            unused.append(action)
    return unused


def mutation_report(stack: StackPolicies, records: Sequence[Recorded]) -> Report:
    needed_by = {}
    unused_actions = {}
    for grant in grants(stack):
        mine = [r for r in records if r.role == grant.role]
        needed_by[grant] = denied(_without(stack, grant, None), mine)
        if needed_by[grant]:
            unused_actions[grant] = _unused_actions(stack, grant, mine)
    return Report(denied(stack, records), needed_by, unused_actions)

"""The policies of a deployed stack, as the tooling writes them at deploy time (one JSON file a stack), and
the decision on one request made with them.

The file is the synthesized template resolved against the stack's physical ids: each role's identity-based
policies, which function and state machine runs as which role, the resource-based policies and the ARNs each
covers, and the physical names of the stack's resources (to record calls by logical id).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from ticketflow_parity.iam.actions import Intent, Target
from ticketflow_parity.iam.evaluation import Decision, Policy, Principal, Request, evaluate
from ticketflow_parity.iam.patterns import arn_matches

FILE_SUFFIX = ".policies.json"
FORMAT = 1


@dataclass(frozen=True)
class Role:
    logical_id: str
    arn: str
    policies: tuple[Policy, ...]


@dataclass(frozen=True)
class ResourcePolicy:
    policy: Policy
    covers: tuple[str, ...]  # ARN patterns of the resource it is attached to (a bucket and its objects)
    must_allow: bool  # a KMS key policy: IAM policies count only where it allows (or names the account)

    def covers_resource(self, arn: str) -> bool:
        return any(arn_matches(pattern, arn) for pattern in self.covers)


@dataclass(frozen=True)
class Verdict:
    request: Request
    decision: Decision
    role: Role


@dataclass(frozen=True)
class StackPolicies:
    stack: str
    account: str
    region: str
    roles: Mapping[str, Role]
    functions: Mapping[str, str]  # function name → role logical id
    state_machines: Mapping[str, str]  # state machine ARN → role logical id
    resource_policies: tuple[ResourcePolicy, ...]
    names: Mapping[str, str]  # physical name (or ARN) → logical id

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StackPolicies:
        if data.get("format") != FORMAT:
            raise ValueError(f"policy file format {data.get('format')!r}, expected {FORMAT}: redeploy")
        roles = {
            logical_id: Role(
                logical_id,
                role["arn"],
                tuple(Policy.parse(p["name"], p["document"]) for p in role["policies"]),
            )
            for logical_id, role in data["roles"].items()
        }
        resource_policies = tuple(
            ResourcePolicy(Policy.parse(p["name"], p["document"]), tuple(p["covers"]), bool(p["must_allow"]))
            for p in data["resource_policies"]
        )
        return cls(
            data["stack"],
            data["account"],
            data["region"],
            roles,
            data["functions"],
            data["state_machines"],
            resource_policies,
            data["names"],
        )

    @cached_property
    def longest_names_first(self) -> tuple[tuple[str, str], ...]:
        return tuple(sorted(self.names.items(), key=lambda item: -len(item[0])))

    @property
    def target(self) -> Target:
        return Target(self.region, self.account)

    def decide(
        self, role_id: str, session_name: str, intent: Intent, *, via_service: bool = False
    ) -> Verdict:
        role = self.roles[role_id]
        request = Request(
            Principal(role.arn, session_name), intent.action, intent.resource, intent.context, via_service
        )
        attached = [p for p in self.resource_policies if p.covers_resource(intent.resource)]
        decision = evaluate(
            request,
            role.policies,
            [p.policy for p in attached],
            resource_must_allow=any(p.must_allow for p in attached),
        )
        return Verdict(request, decision, role)


class PolicyFolder:
    """The deployed stacks' policy files in one folder, re-read when the folder changes (a deploy replaces
    a file by renaming it into place). One stat a call."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._seen: int | None = None
        self._stacks: tuple[StackPolicies, ...] = ()

    def stacks(self) -> tuple[StackPolicies, ...]:
        try:
            stamp = self.folder.stat().st_mtime_ns
        except FileNotFoundError:
            return ()
        if stamp != self._seen:
            self._stacks = tuple(_load(self.folder.glob(f"*{FILE_SUFFIX}")))
            self._seen = stamp
        return self._stacks

    def for_function(self, name: str) -> tuple[StackPolicies, str] | None:
        for stack in self.stacks():
            if name in stack.functions:
                return stack, stack.functions[name]
        return None

    def changed(self) -> int | None:
        """The folder's stamp as last read (None before any): a recorder resets with it."""
        return self._seen


def _load(paths: Iterable[Path]) -> Iterable[StackPolicies]:
    for path in sorted(paths):
        yield StackPolicies.from_json(json.loads(path.read_text(encoding="utf-8")))

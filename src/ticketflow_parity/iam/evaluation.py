"""AWS's policy evaluation logic for a role session in its own account (IAM User Guide, "Policy evaluation
logic", "Policy evaluation for requests within a single account"): an explicit deny in any policy denies;
otherwise an allow in an identity-based policy, or a resource-based policy naming the role or its session,
allows; otherwise the request is implicitly denied. A KMS key's policy must itself allow, directly or by
naming the account (which lets IAM policies grant it). No SCPs, RCPs, permission boundaries or session
policies: the stack sets none.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ticketflow_parity.iam.conditions import ContextValue, UnmodeledKeyError, block_holds
from ticketflow_parity.iam.patterns import action_matches, arn_matches

_VARIABLES_VERSION = "2012-10-17"  # policy variables exist only from this version on
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}


@dataclass(frozen=True)
class Principal:
    """A role session, as AWS names it in a denial: `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`."""

    role_arn: str
    session_name: str

    @property
    def account(self) -> str:
        return self.role_arn.split(":")[4]

    @property
    def role_name(self) -> str:
        return self.role_arn.rsplit("/", 1)[-1]

    @property
    def session_arn(self) -> str:
        partition = self.role_arn.split(":")[1]
        return f"arn:{partition}:sts::{self.account}:assumed-role/{self.role_name}/{self.session_name}"


@dataclass(frozen=True)
class Request:
    """One IAM request: what AWS authorises, not the API call (one call may be several requests).

    `context` holds the request's own keys (lower case); a key mapped to None is one AWS would not have.
    """

    principal: Principal
    action: str
    resource: str
    context: Mapping[str, ContextValue | None] = field(default_factory=dict)
    via_service: bool = False  # a service calling on the principal's behalf (SNS asking KMS for a data key)


# Global keys (IAM User Guide, "AWS global condition context keys") a role session of a Lambda function or a
# state machine has, or lacks, on a call made over HTTPS from outside a VPC; others raise UnmodeledKeyError.
_ABSENT_GLOBAL_KEYS = frozenset(
    {
        "aws:username",
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:vpcsourceip",
        "aws:multifactorauthpresent",
        "aws:multifactorauthage",
        "aws:federatedprovider",
        "aws:principalservicename",
        "aws:principalservicenameslist",
        "aws:requesttag",
        "aws:tagkeys",
        "aws:referer",
        "aws:useragent",
    }
)


def _resource_account(request: Request) -> str:
    account = request.resource.split(":")[4] if request.resource.count(":") >= 5 else ""
    return account or request.principal.account


def _requested_region(request: Request) -> ContextValue:
    region = request.context.get("aws:requestedregion")
    return region if region is not None else _raise("aws:requestedregion")


_GLOBAL_KEYS: Mapping[str, Callable[[Request], ContextValue | None]] = {
    "aws:securetransport": lambda _: "true",  # every SDK call to AWS is HTTPS
    "aws:principalarn": lambda r: r.principal.role_arn,
    "aws:principalaccount": lambda r: r.principal.account,
    "aws:principaltype": lambda _: "AssumedRole",
    "aws:principalisawsservice": lambda _: "false",
    "aws:viaawsservice": lambda r: "true" if r.via_service else "false",
    "aws:resourceaccount": _resource_account,
    "aws:requestedregion": _requested_region,
    "aws:currenttime": lambda _: datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "aws:epochtime": lambda _: str(int(datetime.now(UTC).timestamp())),
}
# Which service a call went through is known only for direct calls (none); a forwarded one raises.
_CALLED_VIA = frozenset({"aws:calledvia", "aws:calledviafirst", "aws:calledvialast"})


def _global_key(request: Request, key: str) -> ContextValue | None:
    if key in _GLOBAL_KEYS:
        return _GLOBAL_KEYS[key](request)
    if key in _CALLED_VIA and not request.via_service:
        return None
    if key in _ABSENT_GLOBAL_KEYS or key.split("/", 1)[0] in ("aws:requesttag", "aws:principaltag"):
        return None
    return _raise(key)


def _raise(key: str) -> ContextValue:
    raise UnmodeledKeyError(key)


def lookup(request: Request, key: str) -> ContextValue | None:
    """The request's value for `key`; None: AWS would not have it; UnmodeledKeyError: that is not known."""
    name = key.lower()
    if name in request.context:
        return request.context[name]
    if name.startswith("aws:"):
        return _global_key(request, name)
    raise UnmodeledKeyError(key)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    resources: tuple[str, ...]
    not_resources: tuple[str, ...]
    conditions: Mapping[str, Mapping[str, Any]]
    principals: Any  # None in identity-based policies
    not_principals: Any
    variables: bool
    sid: str = ""

    @classmethod
    def parse(cls, statement: Mapping[str, Any], version: str) -> Statement:
        effect = statement.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise ValueError(f"a statement's Effect is Allow or Deny, not {effect!r}")
        return cls(
            effect=effect,
            actions=tuple(_as_list(statement.get("Action"))),
            not_actions=tuple(_as_list(statement.get("NotAction"))),
            resources=tuple(_as_list(statement.get("Resource"))),
            not_resources=tuple(_as_list(statement.get("NotResource"))),
            conditions=statement.get("Condition") or {},
            principals=statement.get("Principal"),
            not_principals=statement.get("NotPrincipal"),
            variables=version == _VARIABLES_VERSION,
            sid=str(statement.get("Sid", "")),
        )

    def _matches_action(self, action: str) -> bool:
        if self.not_actions:
            return not any(action_matches(p, action) for p in self.not_actions)
        return any(action_matches(p, action) for p in self.actions)

    def _matches_resource(self, request: Request) -> bool:
        def hit(patterns: Sequence[str]) -> bool:
            for pattern in patterns:
                resolved = self._substitute(pattern, request)
                if resolved is not None and arn_matches(resolved, request.resource):
                    return True
            return False

        if self.not_resources:
            return not hit(self.not_resources)
        # A resource-based policy may leave Resource out: it then means the resource it is attached to.
        return hit(self.resources) if self.resources else self.principals is not None

    def _substitute(self, text: str, request: Request) -> str | None:
        """Policy variables resolved (`${aws:username}`, `${key, 'default'}`, `${*}`); None: one is missing"""
        if not self.variables or "${" not in text:
            return text
        missing = False

        def replace(match: re.Match[str]) -> str:
            nonlocal missing
            inner = match.group(1)
            if inner in _ESCAPES:
                return _ESCAPES[inner]
            key, _, default = (part.strip() for part in inner.partition(","))
            value = lookup(request, key)
            if isinstance(value, str):
                return value
            if default:
                return default.strip("'")
            missing = True
            return ""

        resolved = _VARIABLE.sub(replace, text)
        return None if missing else resolved

    def applies(self, request: Request) -> bool:
        """Action, resource, then conditions: a condition's key is looked up only for a statement that could
        otherwise decide the request."""
        if not self._matches_action(request.action) or not self._matches_resource(request):
            return False
        return block_holds(
            self.conditions, lambda key: lookup(request, key), lambda v: self._substitute(v, request)
        )


@dataclass(frozen=True)
class Policy:
    """One policy document, parsed once; `name` says where it comes from (a role's policy, a bucket's)."""

    name: str
    statements: tuple[Statement, ...]

    @classmethod
    def parse(cls, name: str, document: Mapping[str, Any]) -> Policy:
        version = str(document.get("Version", "2008-10-17"))
        statements = document.get("Statement", [])
        return cls(name, tuple(Statement.parse(s, version) for s in _as_list(statements)))


# How a resource-based statement's principal relates to the caller.
_NOT_NAMED, _NAMED, _ACCOUNT = "not named", "named", "account"


def _principal_relation(principals: Any, principal: Principal) -> str:
    if principals == "*":
        return _NAMED
    if not isinstance(principals, Mapping):
        return _NOT_NAMED
    relation = _NOT_NAMED
    for value in _as_list(principals.get("AWS")):
        text = str(value)
        if text in ("*", principal.role_arn, principal.session_arn):
            return _NAMED
        if text in (principal.account, f"arn:aws:iam::{principal.account}:root") or (
            text.endswith(f":iam::{principal.account}:root")
        ):
            relation = _ACCOUNT
    return relation


def _resource_relation(statement: Statement, principal: Principal) -> str:
    if statement.not_principals is not None:
        excluded = _principal_relation(statement.not_principals, principal)
        return _NOT_NAMED if excluded != _NOT_NAMED else _NAMED
    return _principal_relation(statement.principals, principal)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    # AWS's words for why not: "no identity-based policy allows", "an explicit deny in a resource-based
    # policy", ...; "" when allowed.
    reason: str = ""
    policy: str = ""  # the policy whose statement denied explicitly

    def message(self, request: Request) -> str:
        """AWS's AccessDenied message (IAM User Guide, "Troubleshoot access denied error messages")."""
        on = f" on resource: {request.resource}" if request.resource != "*" else ""
        head = f"User: {request.principal.session_arn} is not authorized to perform: {request.action}{on}"
        if self.reason.startswith("no "):
            return f"{head} because {self.reason} the {request.action} action"
        return f"{head} with {self.reason}"


IDENTITY_DENY = "an explicit deny in an identity-based policy"
RESOURCE_DENY = "an explicit deny in a resource-based policy"
NO_IDENTITY_ALLOW = "no identity-based policy allows"
NO_RESOURCE_ALLOW = "no resource-based policy allows"


@dataclass
class _Findings:
    """What the applicable statements say: a deny (its reason and policy) or which kinds of allow."""

    denied: Decision | None = None
    identity_allows: bool = False
    granted: bool = False  # a resource-based policy allows the role or its session itself
    delegated: bool = False  # a resource-based policy allows the account (IAM policies decide)


def _identity(request: Request, policies: Sequence[Policy], found: _Findings) -> None:
    for policy in policies:
        for statement in policy.statements:
            if statement.applies(request):
                if statement.effect == "Deny":
                    found.denied = Decision(False, IDENTITY_DENY, policy.name)
                    return
                found.identity_allows = True


def _resource(request: Request, policies: Sequence[Policy], found: _Findings) -> None:
    for policy in policies:
        for statement in policy.statements:
            relation = _resource_relation(statement, request.principal)
            if relation == _NOT_NAMED or not statement.applies(request):
                continue
            if statement.effect == "Deny":
                found.denied = Decision(False, RESOURCE_DENY, policy.name)
                return
            found.granted = found.granted or relation == _NAMED
            found.delegated = found.delegated or relation == _ACCOUNT


def evaluate(
    request: Request,
    identity: Sequence[Policy],
    resource: Sequence[Policy] = (),
    *,
    resource_must_allow: bool = False,
) -> Decision:
    found = _Findings()
    _identity(request, identity, found)
    if found.denied is None:
        _resource(request, resource, found)
    if found.denied is not None:
        return found.denied
    if found.granted or (found.identity_allows and (found.delegated or not resource_must_allow)):
        return Decision(True)
    if resource_must_allow and not found.delegated:
        return Decision(False, NO_RESOURCE_ALLOW)
    return Decision(False, NO_IDENTITY_ALLOW)

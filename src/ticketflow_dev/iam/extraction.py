"""A template's policies as the in-flight check reads them (`ticketflow_parity.iam.deployed`): each role's
identity-based policies (inline, AWS::IAM::Policy, customer and AWS managed), who runs as which role, and the
resource-based policies with the ARNs they cover (a bucket's, a topic's, a queue's, a key's, a function's).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ticketflow_dev.iam.intrinsics import Resolver, UnresolvableError
from ticketflow_dev.iam.managed import managed_policy
from ticketflow_parity.iam.deployed import FORMAT

_ROLE = "AWS::IAM::Role"
# Types whose physical names appear in the ARNs calls name (what recorded calls are normalised by).
NAMED_TYPES = frozenset(
    {
        "AWS::S3::Bucket",
        "AWS::DynamoDB::GlobalTable",
        "AWS::DynamoDB::Table",
        "AWS::Kinesis::Stream",
        "AWS::SQS::Queue",
        "AWS::SNS::Topic",
        "AWS::Lambda::Function",
        "AWS::StepFunctions::StateMachine",
        "AWS::IAM::Role",
        "AWS::Logs::LogGroup",
        "AWS::KMS::Key",
        "AWS::Events::Rule",
        "AWS::CloudWatch::Alarm",
        "AWS::SecretsManager::Secret",
    }
)
# Resource-based policies this check does not evaluate: a template with one stops rather than ignore it.
_UNMODELED_RESOURCE_POLICIES = frozenset(
    {
        "AWS::SecretsManager::ResourcePolicy",
        "AWS::Kinesis::ResourcePolicy",
        "AWS::Kinesis::StreamConsumer",
        "AWS::Events::EventBusPolicy",
        "AWS::Logs::ResourcePolicy",
        "AWS::DynamoDB::ResourcePolicy",
    }
)


def _of_type(resolver: Resolver, *types: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for logical_id, resource in resolver.resources.items():
        if resource["Type"] in types:
            yield logical_id, resource.get("Properties", {})


Named = dict[str, Any]  # {"name": where a policy comes from, "document": it, resolved}


class _IdentityPolicies:
    """Each role's policies: inline, AWS::IAM::Policy, AWS::IAM::RolePolicy, customer and AWS managed."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.roles: dict[str, list[Named]] = {logical_id: [] for logical_id, _ in _of_type(resolver, _ROLE)}
        self._by_name = {resolver.name(logical_id): logical_id for logical_id in self.roles}
        self._managed = {
            resolver.physical_id(logical_id): logical_id
            for logical_id, _ in _of_type(resolver, "AWS::IAM::ManagedPolicy")
        }

    def collect(self) -> dict[str, list[Named]]:
        for logical_id, properties in _of_type(self.resolver, _ROLE):
            self._role_own(logical_id, properties)
        for logical_id, properties in _of_type(self.resolver, "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            self._attach(properties.get("Roles", []), logical_id, properties["PolicyDocument"])
        for logical_id, properties in _of_type(self.resolver, "AWS::IAM::RolePolicy"):
            self._attach([properties["RoleName"]], logical_id, properties["PolicyDocument"])
        return self.roles

    def _add(self, role: str, name: str, document: Any) -> None:
        self.roles[role].append({"name": name, "document": self.resolver.resolve(document)})

    def _role_own(self, logical_id: str, properties: Mapping[str, Any]) -> None:
        for inline in properties.get("Policies", []):
            self._add(logical_id, f"{logical_id}/{inline['PolicyName']}", inline["PolicyDocument"])
        for arn in self.resolver.resolve(properties.get("ManagedPolicyArns", [])):
            if arn not in self._managed:  # a template's own managed policy is attached from its resource
                self._add(logical_id, arn, managed_policy(arn))

    def _attach(self, role_names: list[Any], name: str, document: Any) -> None:
        for role in self.resolver.resolve(role_names):
            if role not in self._by_name:
                raise UnresolvableError(f"{name} is attached to {role}, which is not a role of this stack")
            self._add(self._by_name[role], name, document)


def _runs_as(resolver: Resolver, role_arns: Mapping[str, str], role_property: str, where: str) -> str:
    role_arn = resolver.resolve(role_property)
    if role_arn not in role_arns:
        raise UnresolvableError(f"{where} runs as {role_arn}, not a role of this stack")
    return role_arns[role_arn]


def _lambda_permission(resolver: Resolver, logical_id: str, properties: Mapping[str, Any]) -> dict[str, Any]:
    """An AWS::Lambda::Permission as the statement it adds to the function's policy."""
    principal = str(resolver.resolve(properties["Principal"]))
    conditions: dict[str, dict[str, Any]] = {}
    if "SourceArn" in properties:
        conditions["ArnLike"] = {"aws:SourceArn": resolver.resolve(properties["SourceArn"])}
    if "SourceAccount" in properties:
        conditions["StringEquals"] = {"aws:SourceAccount": resolver.resolve(properties["SourceAccount"])}
    statement = {
        "Sid": logical_id,
        "Effect": "Allow",
        "Principal": {"Service": principal} if principal.endswith(".amazonaws.com") else {"AWS": principal},
        "Action": resolver.resolve(properties["Action"]),
        "Resource": _function_arn(resolver, properties["FunctionName"]),
        **({"Condition": conditions} if conditions else {}),
    }
    return {"Version": "2012-10-17", "Statement": [statement]}


def _function_arn(resolver: Resolver, function: Any) -> str:
    value = str(resolver.resolve(function))
    return value if value.startswith("arn:") else resolver.env.arn("lambda", f"function:{value}")


def _covered(
    resolver: Resolver, resource_type: str, properties: Mapping[str, Any], logical_id: str
) -> list[str]:
    """The ARNs a resource-based policy covers."""
    env = resolver.env
    match resource_type:
        case "AWS::S3::BucketPolicy":
            bucket = f"arn:{env.partition}:s3:::{resolver.resolve(properties['Bucket'])}"
            return [bucket, f"{bucket}/*"]
        case "AWS::SNS::TopicPolicy":
            return [str(arn) for arn in resolver.resolve(properties["Topics"])]
        case "AWS::SQS::QueuePolicy":
            urls = resolver.resolve(properties["Queues"])
            return [env.arn("sqs", str(url).rstrip("/").rsplit("/", 1)[-1]) for url in urls]
        case "AWS::KMS::Key":
            return [resolver.get_att(logical_id, "Arn")]
    arn = _function_arn(resolver, properties["FunctionName"])
    return [arn, f"{arn}:*"]


_DOCUMENTS: Mapping[str, Callable[[Resolver, str, Mapping[str, Any]], Any]] = {
    "AWS::S3::BucketPolicy": lambda _r, _id, properties: properties["PolicyDocument"],
    "AWS::SNS::TopicPolicy": lambda _r, _id, properties: properties["PolicyDocument"],
    "AWS::SQS::QueuePolicy": lambda _r, _id, properties: properties["PolicyDocument"],
    "AWS::KMS::Key": lambda _r, _id, properties: properties["KeyPolicy"],
    "AWS::Lambda::Permission": _lambda_permission,
}


def _carries_unmodeled_policy(resource: Mapping[str, Any]) -> bool:
    if resource["Type"] in _UNMODELED_RESOURCE_POLICIES:
        return True
    replicas = resource.get("Properties", {}).get("Replicas", [])
    return resource["Type"] == "AWS::DynamoDB::GlobalTable" and any("ResourcePolicy" in r for r in replicas)


def _resource_policies(resolver: Resolver) -> list[dict[str, Any]]:
    for logical_id, resource in resolver.resources.items():
        if _carries_unmodeled_policy(resource):
            raise UnresolvableError(
                f"{logical_id} ({resource['Type']}) has a resource policy not evaluated here"
            )
    return [
        {
            "name": logical_id,
            "document": resolver.resolve(
                _DOCUMENTS[resolver.type_of(logical_id)](resolver, logical_id, properties)
            ),
            "covers": _covered(resolver, resolver.type_of(logical_id), properties, logical_id),
            "must_allow": resolver.type_of(logical_id) == "AWS::KMS::Key",
        }
        for logical_id, properties in _of_type(resolver, *_DOCUMENTS)
    ]


def stack_policies(resolver: Resolver) -> dict[str, Any]:
    """The policy file's content: the template resolved against the stack's physical ids, or placeholders."""
    env = resolver.env
    identity = _IdentityPolicies(resolver).collect()
    role_arns = {resolver.get_att(logical_id, "Arn"): logical_id for logical_id in identity}
    functions = {
        resolver.physical_id(logical_id): _runs_as(resolver, role_arns, properties["Role"], logical_id)
        for logical_id, properties in _of_type(resolver, "AWS::Lambda::Function")
    }
    state_machines = {
        resolver.physical_id(logical_id): _runs_as(resolver, role_arns, properties["RoleArn"], logical_id)
        for logical_id, properties in _of_type(resolver, "AWS::StepFunctions::StateMachine")
    }
    names = (
        {
            resolver.name(logical_id): logical_id
            for logical_id, r in resolver.resources.items()
            if r["Type"] in NAMED_TYPES
        }
        if resolver.physical is not None
        else {}
    )
    return {
        "format": FORMAT,
        "stack": env.stack_name,
        "account": env.account,
        "region": env.region,
        "roles": {
            logical_id: {"arn": arn, "policies": identity[logical_id]}
            for arn, logical_id in role_arns.items()
        },
        "functions": functions,
        "state_machines": state_machines,
        "resource_policies": _resource_policies(resolver),
        "names": names,
    }

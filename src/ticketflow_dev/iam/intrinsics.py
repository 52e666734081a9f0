"""CloudFormation's intrinsic functions resolved against a stack's physical ids, or against placeholders
(`<LogicalId>`) for a template that is not deployed: the same resolution either way.

Ref and GetAtt of the resource types whose ARNs policies name; Fn::Join, Fn::Sub, Fn::Select, Fn::Split and
the pseudo parameters. Anything else raises: a policy is never resolved by guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


class UnresolvableError(ValueError):
    pass


@dataclass(frozen=True)
class Environment:
    account: str
    region: str
    stack_name: str
    partition: str = "aws"
    url_suffix: str = "amazonaws.com"

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        return (
            f"arn:{self.partition}:{service}:{self.region if region else ''}:"
            f"{self.account if account else ''}:{resource}"
        )


def placeholder(logical_id: str) -> str:
    return f"<{logical_id}>"


# Resource types whose Ref is an ARN or URL, and how a placeholder of each is written.
_REF_IS_NOT_A_NAME: Mapping[str, Any] = {
    "AWS::SNS::Topic": lambda env, name: env.arn("sns", name),
    "AWS::StepFunctions::StateMachine": lambda env, name: env.arn("states", f"stateMachine:{name}"),
    "AWS::SQS::Queue": lambda env, name: f"https://sqs.{env.region}.{env.url_suffix}/{env.account}/{name}",
    "AWS::SecretsManager::Secret": lambda env, name: env.arn("secretsmanager", f"secret:{name}"),
    "AWS::IAM::ManagedPolicy": lambda env, name: f"arn:{env.partition}:iam::{env.account}:policy/{name}",
}


def name_of(resource_type: str, physical_id: str) -> str:
    """The resource's own name inside its physical id (a topic's ARN, a queue's URL): what a call names."""
    match resource_type:
        case "AWS::SNS::Topic" | "AWS::IAM::ManagedPolicy":
            return physical_id.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
        case "AWS::StepFunctions::StateMachine":
            return physical_id.split(":stateMachine:", 1)[-1]
        case "AWS::SQS::Queue":
            return urlsplit(physical_id).path.rstrip("/").rsplit("/", 1)[-1]
        case "AWS::SecretsManager::Secret":
            return physical_id.split(":secret:", 1)[-1]
    return physical_id


class Resolver:
    """Resolves one template's values. `physical` maps logical ids to physical ids; None: placeholders."""

    def __init__(
        self, template: Mapping[str, Any], env: Environment, physical: Mapping[str, str] | None
    ) -> None:
        self.template = template
        self.resources: Mapping[str, Any] = template.get("Resources", {})
        self.env = env
        self.physical = physical

    def physical_id(self, logical_id: str) -> str:
        resource_type = self.type_of(logical_id)
        if self.physical is None:
            make = _REF_IS_NOT_A_NAME.get(resource_type)
            return make(self.env, placeholder(logical_id)) if make else placeholder(logical_id)
        if logical_id not in self.physical:
            raise UnresolvableError(f"{logical_id} is not among the stack's resources")
        return self.physical[logical_id]

    def type_of(self, logical_id: str) -> str:
        if logical_id not in self.resources:
            raise UnresolvableError(f"no resource {logical_id} in the template")
        return str(self.resources[logical_id]["Type"])

    def name(self, logical_id: str) -> str:
        return name_of(self.type_of(logical_id), self.physical_id(logical_id))

    def ref(self, name: str) -> str:
        pseudo = {
            "AWS::AccountId": self.env.account,
            "AWS::Region": self.env.region,
            "AWS::Partition": self.env.partition,
            "AWS::URLSuffix": self.env.url_suffix,
            "AWS::StackName": self.env.stack_name,
        }
        if name in pseudo:
            return pseudo[name]
        return self.physical_id(name)

    def get_att(self, logical_id: str, attribute: str) -> str:
        resource_type, name, env = self.type_of(logical_id), self.name(logical_id), self.env
        properties = self.resources[logical_id].get("Properties", {})
        arns = {
            "AWS::S3::Bucket": lambda: f"arn:{env.partition}:s3:::{name}",
            "AWS::DynamoDB::GlobalTable": lambda: env.arn("dynamodb", f"table/{name}"),
            "AWS::DynamoDB::Table": lambda: env.arn("dynamodb", f"table/{name}"),
            "AWS::Kinesis::Stream": lambda: env.arn("kinesis", f"stream/{name}"),
            "AWS::SQS::Queue": lambda: env.arn("sqs", name),
            "AWS::SNS::Topic": lambda: self.physical_id(logical_id),
            "AWS::Lambda::Function": lambda: env.arn("lambda", f"function:{name}"),
            "AWS::StepFunctions::StateMachine": lambda: self.physical_id(logical_id),
            "AWS::IAM::Role": lambda: (
                f"arn:{env.partition}:iam::{env.account}:role{properties.get('Path', '/')}{name}"
            ),
            "AWS::Logs::LogGroup": lambda: env.arn("logs", f"log-group:{name}:*"),
            "AWS::KMS::Key": lambda: env.arn("kms", f"key/{name}"),
            "AWS::Events::Rule": lambda: env.arn("events", f"rule/{name}"),
            "AWS::CloudWatch::Alarm": lambda: env.arn("cloudwatch", f"alarm:{name}"),
        }
        if attribute == "Arn" and resource_type in arns:
            return arns[resource_type]()
        named = {"QueueName", "TopicName", "Name", "StreamName"}
        if attribute in named or (attribute == "QueueUrl" and resource_type == "AWS::SQS::Queue"):
            return self.physical_id(logical_id) if attribute == "QueueUrl" else name
        raise UnresolvableError(f"Fn::GetAtt {logical_id}.{attribute} ({resource_type})")

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, Mapping):
            return value
        if len(value) != 1 or not next(iter(value)).startswith(("Ref", "Fn::")):
            return {key: self.resolve(item) for key, item in value.items()}
        ((function, argument),) = value.items()
        handler = self._FUNCTIONS.get(function)
        if handler is None:
            raise UnresolvableError(f"{function} is not resolved here: {value}")
        return handler(self, argument)

    def _get_att(self, argument: Any) -> str:
        logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
        return self.get_att(logical_id, attribute)

    def _join(self, argument: Any) -> str:
        separator, parts = argument
        return str(separator).join(str(self.resolve(part)) for part in self.resolve(parts))

    def _select(self, argument: Any) -> Any:
        index, items = argument
        return self.resolve(items)[int(self.resolve(index))]

    def _split(self, argument: Any) -> list[str]:
        separator, text = argument
        return str(self.resolve(text)).split(separator)

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        values = {key: self.resolve(item) for key, item in variables.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in values:
                return str(values[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return self.get_att(logical_id, attribute)
            return self.ref(name)

        return _SUB_VARIABLE.sub(replace, text).replace("${!", "${")

    _FUNCTIONS: Mapping[str, Callable[[Resolver, Any], Any]] = {
        "Ref": lambda self, argument: self.ref(argument),
        "Fn::GetAtt": _get_att,
        "Fn::Join": _join,
        "Fn::Select": _select,
        "Fn::Split": _split,
        "Fn::Sub": lambda self, argument: self._sub(argument),
    }

"""What AWS authorises an SDK call as: its IAM action(s), the resource ARN(s) and the request's own condition
keys, for the services the stack calls (Service Authorization Reference; the exceptions are AWS's own).

One call can be several requests: a DynamoDB transaction is authorised item by item as the item's own action
(DynamoDB Developer Guide, "Using IAM with DynamoDB transactions"), a batch per table, a Converse through an
inference profile on the profile and on the model it routes to. A call this module does not know raises
UnmappedCallError: it is never let through unchecked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ticketflow_parity.iam.conditions import ContextValue


@dataclass(frozen=True)
class Intent:
    """One IAM request without its principal: the action, the resource, the request's own context keys
    (lower case; None: a key AWS would not have for this call)."""

    action: str
    resource: str
    context: Mapping[str, ContextValue | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Target:
    """Where a call goes: the client's region, and the account of the stack's resources."""

    region: str
    account: str

    @property
    def partition(self) -> str:
        if self.region.startswith("cn-"):
            return "aws-cn"
        return "aws-us-gov" if self.region.startswith("us-gov-") else "aws"

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        return (
            f"arn:{self.partition}:{service}:{self.region if region else ''}:"
            f"{self.account if account else ''}:{resource}"
        )


class UnmappedCallError(LookupError):
    """A call the IAM check cannot translate into IAM requests; add it to ticketflow_parity/iam/actions.py."""

    def __init__(self, service: str, operation: str, why: str = "no mapping") -> None:
        super().__init__(f"{service}.{operation}: {why}")
        self.service = service
        self.operation = operation


Params = Mapping[str, Any]
Mapper = Callable[[str, Params, Target], Iterator[Intent]]


def _given(params: Params, *pairs: str) -> dict[str, ContextValue | None]:
    """Condition keys (`key=Parameter`) a request carries only when the caller set that parameter."""
    context: dict[str, ContextValue | None] = {}
    for pair in pairs:
        key, _, name = pair.partition("=")
        context[key.lower()] = str(params[name]) if name in params else None
    return context


# --- DynamoDB -----------------------------------------------------------------------------------------------
_TRANSACT_WRITE = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
_DYNAMODB_KEYS = (
    "dynamodb:ReturnValues=ReturnValues",
    "dynamodb:ReturnConsumedCapacity=ReturnConsumedCapacity",
    "dynamodb:Select=Select",
)


def _table(target: Target, name: str, index: str | None = None) -> str:
    if name.startswith("arn:"):
        return name
    return target.arn("dynamodb", f"table/{name}" + (f"/index/{index}" if index else ""))


def _dynamodb(operation: str, params: Params, target: Target) -> Iterator[Intent]:
    if operation in ("TransactWriteItems", "TransactGetItems"):
        enclosing: dict[str, ContextValue | None] = {"dynamodb:enclosingoperation": operation}
        for item in params.get("TransactItems", []):
            for kind, body in item.items():
                action = "GetItem" if kind == "Get" else _TRANSACT_WRITE[kind]
                context = enclosing | _given(body, *_DYNAMODB_KEYS)
                yield Intent(f"dynamodb:{action}", _table(target, body["TableName"]), context)
        return
    if operation in ("BatchGetItem", "BatchWriteItem"):
        for table in params.get("RequestItems", {}):
            yield Intent(
                f"dynamodb:{operation}", _table(target, table), {"dynamodb:enclosingoperation": None}
            )
        return
    if "TableName" not in params:
        yield Intent(f"dynamodb:{operation}", "*")
        return
    context = {"dynamodb:enclosingoperation": None} | _given(params, *_DYNAMODB_KEYS)
    yield Intent(
        f"dynamodb:{operation}", _table(target, params["TableName"], params.get("IndexName")), context
    )


# --- S3 -----------------------------------------------------------------------------------------------------
# Operations authorised under another action's name (Service Authorization Reference, Amazon S3).
_S3_ACTIONS = {
    "HeadObject": "GetObject",
    "HeadBucket": "ListBucket",
    "ListObjects": "ListBucket",
    "ListObjectsV2": "ListBucket",
    "ListObjectVersions": "ListBucketVersions",
    "CreateMultipartUpload": "PutObject",
    "UploadPart": "PutObject",
    "CompleteMultipartUpload": "PutObject",
    "ListParts": "ListMultipartUploadParts",
    "DeleteObjects": "DeleteObject",
    "GetBucketLocation": "GetBucketLocation",
}
_S3_OBJECT_KEYS = (
    "s3:x-amz-server-side-encryption=ServerSideEncryption",
    "s3:x-amz-server-side-encryption-aws-kms-key-id=SSEKMSKeyId",
    "s3:x-amz-acl=ACL",
    "s3:x-amz-storage-class=StorageClass",
)
_S3_LIST_KEYS = ("s3:prefix=Prefix", "s3:delimiter=Delimiter", "s3:max-keys=MaxKeys")


def _s3(operation: str, params: Params, target: Target) -> Iterator[Intent]:
    bucket = params.get("Bucket")
    if bucket is None:
        yield Intent(f"s3:{operation}", "*")
        return
    bucket_arn = f"arn:{target.partition}:s3:::{bucket}"
    action = "s3:" + _S3_ACTIONS.get(operation, operation)
    common: dict[str, ContextValue | None] = {"s3:resourceaccount": target.account}
    if operation == "DeleteObjects":
        for item in params.get("Delete", {}).get("Objects", []):
            yield Intent(action, f"{bucket_arn}/{item['Key']}", common)
        return
    if operation == "CopyObject":
        source = params["CopySource"]
        source_key = (
            f"{source['Bucket']}/{source['Key']}" if isinstance(source, Mapping) else str(source).lstrip("/")
        )
        yield Intent("s3:GetObject", f"arn:{target.partition}:s3:::{source_key.split('?')[0]}", common)
        action = "s3:PutObject"
    if "Key" in params:
        context = common | _given(params, *_S3_OBJECT_KEYS) if action == "s3:PutObject" else common
        yield Intent(action, f"{bucket_arn}/{params['Key']}", context)
        if action == "s3:PutObject" and "Tagging" in params:
            yield Intent("s3:PutObjectTagging", f"{bucket_arn}/{params['Key']}", common)
        return
    context = common | _given(params, *_S3_LIST_KEYS) if action == "s3:ListBucket" else common
    yield Intent(action, bucket_arn, context)


# --- the rest -----------------------------------------------------------------------------------------------
def _function_arn(target: Target, name: str, qualifier: str | None) -> str:
    """A function's name, partial ARN (ACCOUNT:function:NAME) or ARN, with its qualifier if any."""
    if name.startswith("arn:"):
        arn = name
    elif ":function:" in name:
        arn = f"arn:{target.partition}:lambda:{target.region}:{name}"
    else:
        arn = target.arn("lambda", f"function:{name}")
    return f"{arn}:{qualifier}" if qualifier and arn.count(":") == 6 else arn


_LAMBDA_ACTIONS = {
    "Invoke": "InvokeFunction",
    "InvokeAsync": "InvokeFunction",
    "InvokeWithResponseStream": "InvokeFunction",
}


def _lambda(operation: str, params: Params, target: Target) -> Iterator[Intent]:
    if "FunctionName" not in params:
        raise UnmappedCallError("lambda", operation, "no FunctionName")
    resource = _function_arn(target, params["FunctionName"], params.get("Qualifier"))
    yield Intent("lambda:" + _LAMBDA_ACTIONS.get(operation, operation), resource)


def _states(operation: str, params: Params, _target: Target) -> Iterator[Intent]:
    for name in ("stateMachineArn", "executionArn", "activityArn", "resourceArn", "mapRunArn"):
        if name in params:
            yield Intent(f"states:{operation}", params[name])
            return
    yield Intent(f"states:{operation}", "*")


def queue_arn(target: Target, queue_url: str) -> str:
    """`https://sqs.REGION.amazonaws.com/ACCOUNT/NAME` (or the emulator's `http://host/ACCOUNT/NAME`)."""
    path = urlsplit(queue_url).path.strip("/").split("/")
    if len(path) < 2:
        raise UnmappedCallError("sqs", "QueueUrl", f"not a queue URL: {queue_url}")
    return f"arn:{target.partition}:sqs:{target.region}:{path[-2]}:{path[-1]}"


def _sqs(operation: str, params: Params, target: Target) -> Iterator[Intent]:
    action = {"SendMessageBatch": "SendMessage", "DeleteMessageBatch": "DeleteMessage"}.get(
        operation, operation
    )
    action = {"ChangeMessageVisibilityBatch": "ChangeMessageVisibility"}.get(action, action)
    if "QueueUrl" in params:
        yield Intent(f"sqs:{action}", queue_arn(target, params["QueueUrl"]))
    elif "QueueName" in params:
        yield Intent(f"sqs:{action}", target.arn("sqs", params["QueueName"]))
    else:
        yield Intent(f"sqs:{action}", "*")


def _sns(operation: str, params: Params, _target: Target) -> Iterator[Intent]:
    action = "Publish" if operation == "PublishBatch" else operation
    resource = params.get("TopicArn") or params.get("TargetArn") or params.get("SubscriptionArn") or "*"
    yield Intent(f"sns:{action}", resource)


def _kinesis(operation: str, params: Params, target: Target) -> Iterator[Intent]:
    if "StreamARN" in params:
        yield Intent(f"kinesis:{operation}", params["StreamARN"])
    elif "StreamName" in params:
        yield Intent(f"kinesis:{operation}", target.arn("kinesis", f"stream/{params['StreamName']}"))
    else:
        yield Intent(f"kinesis:{operation}", "*")


# Cross-Region inference profiles' id prefixes (Bedrock User Guide, "Supported inference profiles").
_PROFILE_PREFIXES = ("us.", "eu.", "apac.", "us-gov.", "global.", "jp.", "au.", "ca.")


def _bedrock(operation: str, params: Params, target: Target) -> Iterator[Intent]:
    stream = operation in ("ConverseStream", "InvokeModelWithResponseStream")
    action = "bedrock:InvokeModelWithResponseStream" if stream else "bedrock:InvokeModel"
    model = str(params["modelId"])
    if model.startswith("arn:"):
        yield Intent(action, model)
        return
    if model.startswith(_PROFILE_PREFIXES):
        # A profile is authorised on itself and on the foundation model in the Region that serves the call.
        yield Intent(action, target.arn("bedrock", f"inference-profile/{model}"))
        model = model.split(".", 1)[1]
    yield Intent(action, target.arn("bedrock", f"foundation-model/{model}", account=False))


def _cloudwatch(operation: str, params: Params, target: Target) -> Iterator[Intent]:
    context: dict[str, ContextValue | None] = {}
    if operation == "PutMetricData":
        context["cloudwatch:namespace"] = params["Namespace"]
    alarms = [params["AlarmName"]] if "AlarmName" in params else params.get("AlarmNames", [])
    for alarm in alarms:
        yield Intent(f"cloudwatch:{operation}", target.arn("cloudwatch", f"alarm:{alarm}"), context)
    if not alarms:
        yield Intent(f"cloudwatch:{operation}", "*", context)


def _logs(operation: str, params: Params, target: Target) -> Iterator[Intent]:
    group = params.get("logGroupName")
    if group is None:
        yield Intent(f"logs:{operation}", "*")
        return
    stream = params.get("logStreamName")
    resource = f"log-group:{group}" + (f":log-stream:{stream}" if stream else "")
    yield Intent(f"logs:{operation}", target.arn("logs", resource))


def _kms(operation: str, params: Params, target: Target) -> Iterator[Intent]:
    key = str(params.get("KeyId", "*"))
    resource = key if key.startswith("arn:") or key == "*" else target.arn("kms", f"key/{key}")
    yield Intent(f"kms:{operation}", resource, {"kms:calleraccount": target.account, "kms:viaservice": None})


def _any_resource(prefix: str) -> Mapper:
    """A service whose actions have no resource-level permissions for what the stack calls."""

    def mapper(operation: str, _params: Params, _target: Target) -> Iterator[Intent]:
        yield Intent(f"{prefix}:{operation}", "*")

    return mapper


def _secrets(operation: str, params: Params, _target: Target) -> Iterator[Intent]:
    secret = str(params.get("SecretId", ""))
    if not secret.startswith("arn:"):
        # A name stands for the ARN AWS completes with six random characters: not known here.
        raise UnmappedCallError("secretsmanager", operation, "SecretId by name (pass the secret's ARN)")
    yield Intent(f"secretsmanager:{operation}", secret)


MAPPERS: dict[str, Mapper] = {
    "dynamodb": _dynamodb,
    "s3": _s3,
    "lambda": _lambda,
    "stepfunctions": _states,
    "sqs": _sqs,
    "sns": _sns,
    "kinesis": _kinesis,
    "bedrock-runtime": _bedrock,
    "comprehend": _any_resource("comprehend"),
    "cloudwatch": _cloudwatch,
    "logs": _logs,
    "kms": _kms,
    "secretsmanager": _secrets,
}
# Calls no policy governs (STS GetCallerIdentity: "No permissions are required to perform this operation").
UNGOVERNED = frozenset({("sts", "GetCallerIdentity")})


def intents(service: str, operation: str, params: Params, target: Target) -> list[Intent]:
    """The IAM requests of one call; [] for a call no policy governs."""
    if (service, operation) in UNGOVERNED:
        return []
    mapper = MAPPERS.get(service)
    if mapper is None:
        raise UnmappedCallError(service, operation, "no mapping for this service")
    region_key: dict[str, ContextValue | None] = {"aws:requestedregion": target.region}
    return [
        Intent(i.action, i.resource, {**i.context, **region_key}) for i in mapper(operation, params, target)
    ]

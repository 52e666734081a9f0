"""How AWS words a request that breaks its service model's constraints, per protocol family.

The JSON services (awsJson, restJson, rpcv2Cbor: Kinesis, Step Functions, DynamoDB, Lambda, SQS, Comprehend,
Bedrock) answer `ValidationException` with Coral's message; the query services (SNS, IAM, STS,
CloudFormation) the same message as `ValidationError`; S3 has no such front end and names the header.
"""

from __future__ import annotations

from botocore.model import ServiceModel

from ticketflow_parity.checks import Refusal
from ticketflow_parity.model_constraints import Violation

# S3 answers a bad enumerated header with an error of its own (its other headers: InvalidArgument).
_S3_ENUM_ERRORS = {
    "storageClass": ("InvalidStorageClass", "The storage class you specified is not valid"),
}


def validation_message(found: list[Violation]) -> str:
    """`1 validation error detected: Value '...' at 'name' failed to satisfy constraint: ...`, the
    violations joined by `; `."""
    count = len(found)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(violation.text() for violation in found)


def constraint_refusal(service: ServiceModel, found: list[Violation]) -> Refusal:
    """The refusal of a request whose members break their model's constraints."""
    if service.protocol == "rest-xml":
        first = found[0]
        fallback = ("InvalidArgument", f"Invalid argument: {first.path}")
        code, message = _S3_ENUM_ERRORS.get(first.path, fallback)
        return Refusal(code, message)
    code = "ValidationError" if service.protocol in ("query", "ec2") else "ValidationException"
    return Refusal(code, validation_message(found))

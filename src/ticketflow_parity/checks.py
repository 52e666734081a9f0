"""What a check sees of one request, and how it refuses it: with the error AWS would answer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError
from botocore.model import OperationModel, ServiceModel


@dataclass(frozen=True)
class Call:
    """One API call as its client is about to serialise it: the caller's own parameters."""

    service: ServiceModel
    operation: OperationModel
    params: Mapping[str, Any]
    endpoint_url: str
    region: str


@dataclass(frozen=True)
class Refusal:
    """AWS's answer to a request it refuses: its error code, message and HTTP status, and any modeled
    members of the error (DynamoDB's `CancellationReasons`), as botocore parses them into the response."""

    code: str
    message: str
    status: int = 400
    fields: Mapping[str, Any] = field(default_factory=dict)

    def error(self, client: Any, operation_name: str) -> ClientError:
        """The exception AWS's answer would raise in this client: the modeled class where the service has
        one for the code (`client.exceptions.ValidationException`), else ClientError, as botocore does."""
        response: dict[str, Any] = {
            **self.fields,
            "Error": {"Code": self.code, "Message": self.message},
            "ResponseMetadata": {"HTTPStatusCode": self.status},
        }
        error_class: type[ClientError] = client.exceptions.from_code(self.code)
        return error_class(response, operation_name)  # type: ignore[arg-type]


# A check returns None for a request AWS would take.
Check = Callable[[Call], Refusal | None]

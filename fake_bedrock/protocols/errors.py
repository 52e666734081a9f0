"""Service errors as the real services put them on the wire.

Bedrock Runtime (REST-JSON) names the error in the `x-amzn-ErrorType` header and puts `{"message": ...}` in
the body; Comprehend (JSON 1.1) puts `{"__type": ..., "Message": ...}` in the body. botocore reads either
into `ClientError.response["Error"]["Code"]`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Service(StrEnum):
    BEDROCK = "bedrock"
    COMPREHEND = "comprehend"


# The HTTP status each error code carries, from the botocore service models.
BEDROCK_ERRORS: dict[str, int] = {
    "AccessDeniedException": 403,
    "ValidationException": 400,
    "SerializationException": 400,
    "ResourceNotFoundException": 404,
    "ModelTimeoutException": 408,
    "ModelErrorException": 424,
    "ThrottlingException": 429,
    "ModelNotReadyException": 429,
    "InternalServerException": 500,
    "ServiceUnavailableException": 503,
}
COMPREHEND_ERRORS: dict[str, int] = {
    "InvalidRequestException": 400,
    "ValidationException": 400,
    "SerializationException": 400,
    "TextSizeLimitExceededException": 400,
    "UnsupportedLanguageException": 400,
    "BatchSizeLimitExceededException": 400,
    "TooManyRequestsException": 429,
    "InternalServerException": 500,
}
STATUS_BY_SERVICE = {Service.BEDROCK: BEDROCK_ERRORS, Service.COMPREHEND: COMPREHEND_ERRORS}

# The errors fault injection may raise, per service.
INJECTABLE: dict[Service, tuple[str, ...]] = {
    Service.BEDROCK: (
        "ThrottlingException",
        "ModelTimeoutException",
        "InternalServerException",
        "ServiceUnavailableException",
    ),
    Service.COMPREHEND: ("TooManyRequestsException", "InternalServerException"),
}
# A code written for one service, as the other service says it (so `*` rules work for both).
EQUIVALENT: dict[Service, dict[str, str]] = {
    Service.BEDROCK: {"TooManyRequestsException": "ThrottlingException"},
    Service.COMPREHEND: {
        "ThrottlingException": "TooManyRequestsException",
        "ModelTimeoutException": "InternalServerException",
        "ServiceUnavailableException": "InternalServerException",
    },
}

_DEFAULT_MESSAGES = {
    "ThrottlingException": "Too many requests, please wait before trying again.",
    "TooManyRequestsException": "Rate exceeded",
    "ModelTimeoutException": "Model has timed out in processing the request. Try your request again.",
    "InternalServerException": (
        "The system encountered an unexpected error during processing. Try your request again."
    ),
    "ServiceUnavailableException": "Bedrock is unable to process your request.",
}
_CORAL_NAMESPACE = "http://internal.amazon.com/coral/com.amazon.bedrock/"


def translate_code(service: Service, code: str) -> str:
    """The code as `service` says it: an injected ThrottlingException is Comprehend's TooManyRequests."""
    return EQUIVALENT[service].get(code, code)


@dataclass
class ServiceError(Exception):
    """An error response: raise it anywhere below a handler and the server renders it for its service."""

    code: str
    message: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.message = self.message or _DEFAULT_MESSAGES.get(self.code, self.code)
        super().__init__(f"{self.code}: {self.message}")

    def status(self, service: Service) -> int:
        return STATUS_BY_SERVICE[service].get(self.code, 400)

    def render(self, service: Service) -> tuple[int, dict[str, str], dict[str, Any]]:
        """(status, headers, body) as `service` sends this error."""
        if service is Service.BEDROCK:
            headers = {"x-amzn-ErrorType": f"{self.code}:{_CORAL_NAMESPACE}"}
            return self.status(service), headers, {"message": self.message, **self.extra}
        return self.status(service), {}, {"__type": self.code, "Message": self.message, **self.extra}


def validation(message: str) -> ServiceError:
    return ServiceError("ValidationException", message)


def constraint_errors(problems: list[str]) -> ServiceError:
    """Coral's input-validation message: `N validation error(s) detected: ...; ...`."""
    noun = "error" if len(problems) == 1 else "errors"
    return validation(f"{len(problems)} validation {noun} detected: {'; '.join(problems)}")


def not_null(member: str) -> str:
    return f"Value null at '{member}' failed to satisfy constraint: Member must not be null"

"""Forward Converse to a real model: an OpenAI-compatible chat-completions server (Ollama, llama.cpp
server, vLLM) at `POST {base}/v1/chat/completions`, its answer translated back (`translate`).

Off unless configured (`--upstream-url`/`--upstream-model`, or `FAKE_BEDROCK_UPSTREAM_URL`/`_MODEL`; the
optional `FAKE_BEDROCK_UPSTREAM_API_KEY` is sent as a Bearer token). The request is checked exactly as
without an upstream, and fault injection applies first. The upstream's failures come back as Bedrock's:

    unreachable (refused, reset, DNS)       ServiceUnavailableException 503
    no answer within the timeout, 408, 504  ModelTimeoutException 408
    429                                     ThrottlingException 429
    502, 503                                ServiceUnavailableException 503
    500 and other 5xx                       InternalServerException 500
    401, 403                                AccessDeniedException 403
    404                                     ResourceNotFoundException 404
    other 4xx                               ValidationException 400
    200 that is not a chat completion       ModelErrorException 424

The timeout bounds each socket operation (connect, waiting for the answer, each read).
"""

from __future__ import annotations

import http.client
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from fake_bedrock.backend import ConverseRequest
from fake_bedrock.protocols.errors import ServiceError
from fake_bedrock.upstream.translate import MalformedCompletionError, chat_request, converse_response, spoil
from fake_bedrock.wire import JsonObject, RequestContext

LOG = logging.getLogger("fake_bedrock.upstream")

URL_ENV_VAR = "FAKE_BEDROCK_UPSTREAM_URL"
MODEL_ENV_VAR = "FAKE_BEDROCK_UPSTREAM_MODEL"
API_KEY_ENV_VAR = "FAKE_BEDROCK_UPSTREAM_API_KEY"
TIMEOUT_ENV_VAR = "FAKE_BEDROCK_UPSTREAM_TIMEOUT"
# Under botocore's default 60 s read timeout, so a client sees ModelTimeoutException, not its own timeout.
DEFAULT_TIMEOUT_S = 50.0
_CHAT_PATH = "/chat/completions"
_ERROR_DETAIL_CHARS = 500
_STATUS_ERRORS = {
    401: "AccessDeniedException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    408: "ModelTimeoutException",
    429: "ThrottlingException",
    502: "ServiceUnavailableException",
    503: "ServiceUnavailableException",
    504: "ModelTimeoutException",
}


class UpstreamConfigError(ValueError):
    """The upstream configuration is incomplete or malformed."""


@dataclass(frozen=True)
class UpstreamConfig:
    url: str  # the server's base URL: `http://127.0.0.1:11434` or `.../v1`; a full `.../chat/completions` too
    model: str  # the upstream's model name (`llama3.2`), sent whatever Bedrock modelId was called
    api_key: str | None = field(default=None, repr=False)
    timeout_s: float = DEFAULT_TIMEOUT_S

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UpstreamConfigError(
                f"the upstream URL must be http(s)://host[:port][/path], got {self.url!r}"
            )
        if not self.model.strip():
            raise UpstreamConfigError("an upstream URL needs an upstream model name (--upstream-model)")
        if not self.timeout_s > 0:
            raise UpstreamConfigError(f"the upstream timeout must be > 0 seconds, got {self.timeout_s}")

    @property
    def endpoint(self) -> str:
        base = self.url.rstrip("/")
        if base.endswith(_CHAT_PATH):
            return base
        return base + _CHAT_PATH if base.endswith("/v1") else base + "/v1" + _CHAT_PATH


class Upstream:
    """The Converse backend that answers through the upstream chat-completions server."""

    def __init__(self, config: UpstreamConfig) -> None:
        self.config = config

    def converse(self, request: ConverseRequest, context: RequestContext) -> JsonObject:
        body = request.body
        completion = self._post(chat_request(body, self.config.model))
        latency_ms = round((time.perf_counter() - context.started) * 1000)
        try:
            response = converse_response(completion, body, latency_ms=latency_ms)
        except MalformedCompletionError as error:
            message = f"The upstream model server's answer: {error}."
            raise self._failed(ServiceError("ModelErrorException", message)) from error
        if context.bad_output is not None:
            response = spoil(response, context.bad_output, body)
        return response

    def _post(self, payload: JsonObject) -> Any:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.config.api_key:
            headers["Authorization"] = f"Bearer {self.config.api_key}"
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked to be http(s) in UpstreamConfig)
            self.config.endpoint, data=json.dumps(payload).encode("utf-8"), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout_s) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as error:
            raise self._failed(error_for_status(error.code, _error_detail(error))) from error
        except urllib.error.URLError as error:
            raise self._failed(transport_error(error.reason, self.config)) from error
        except (OSError, http.client.HTTPException) as error:  # a timeout or reset after connecting
            raise self._failed(transport_error(error, self.config)) from error
        try:
            return json.loads(raw)
        except ValueError as error:
            raise self._failed(
                ServiceError("ModelErrorException", "The upstream model server's answer is not JSON.")
            ) from error

    def _failed(self, error: ServiceError) -> ServiceError:
        LOG.warning("upstream %s: %s", self.config.endpoint, error)
        return error


def error_for_status(status: int, detail: str) -> ServiceError:
    """Bedrock's error for an HTTP error status from the upstream."""
    default = "InternalServerException" if status >= 500 else "ValidationException"
    code = _STATUS_ERRORS.get(status, default)
    return ServiceError(
        code, f"The upstream model server answered {status}" + (f": {detail}" if detail else ".")
    )


def transport_error(reason: object, config: UpstreamConfig) -> ServiceError:
    """Bedrock's error when the upstream could not be asked or did not answer."""
    if isinstance(reason, TimeoutError):
        return ServiceError(
            "ModelTimeoutException",
            f"The upstream model server {config.endpoint} did not answer within {config.timeout_s:g} s.",
        )
    return ServiceError(
        "ServiceUnavailableException", f"Cannot reach the upstream model server {config.endpoint}: {reason}"
    )


def _error_detail(error: urllib.error.HTTPError) -> str:
    """The upstream's error message: OpenAI's `{"error": {"message": ...}}`, Ollama's `{"error": "..."}`."""
    try:
        text = error.read(_ERROR_DETAIL_CHARS * 4).decode("utf-8", errors="replace")
    except OSError:
        return ""
    try:
        body = json.loads(text)
    except ValueError:
        return text.strip()[:_ERROR_DETAIL_CHARS]
    inner = body.get("error", body) if isinstance(body, dict) else body
    message = inner.get("message", inner) if isinstance(inner, dict) else inner
    return str(message)[:_ERROR_DETAIL_CHARS]

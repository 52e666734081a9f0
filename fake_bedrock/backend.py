"""What answers a Bedrock request once its protocol module has checked it. The protocol modules are given
one of these and import no model:

- a `Backend` answers Converse: the local stand-in model (`local_model.LocalModel`) or, when configured, a
  real one (`upstream.client.Upstream`);
- `Generate` completes a prompt for InvokeModel, which only the local model answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from fake_bedrock.engine import Completion, Prompt
from fake_bedrock.wire import BadOutput, JsonObject, RequestContext


@dataclass(frozen=True)
class ConverseRequest:
    """A Converse request that passed the service's checks."""

    model_id: str  # the catalog id the request's modelId resolved to
    body: JsonObject  # the request body as sent
    prompt: Prompt  # the body as the engine reads it


class Backend(Protocol):
    def converse(self, request: ConverseRequest, context: RequestContext) -> JsonObject:
        """The Converse response body; a failure is raised as the ServiceError Bedrock would answer."""
        ...


class Generate(Protocol):
    def __call__(self, prompt: Prompt, *, salt: str, bad_output: BadOutput | None = None) -> Completion: ...

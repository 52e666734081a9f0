"""The local stand-in model: the generic engine, answering with what the ticket stand-ins decide.

`TicketAuthor` is the `engine.Author` of a support-ticket triage model; `generate` is the engine bound to it
(a `backend.Generate`, for InvokeModel); `LocalModel` is the Converse backend when no upstream is set.
"""

from __future__ import annotations

import functools
from typing import Any

from fake_bedrock import engine
from fake_bedrock.backend import ConverseRequest
from fake_bedrock.engine import Completion, Prompt
from fake_bedrock.protocols.converse import completion_response
from fake_bedrock.stand_ins import triage
from fake_bedrock.wire import BadOutput, JsonObject, RequestContext, digest


# The content decisions are pure functions of the text, so a retried request (the usual answer to an
# injected fault) is served from these caches.
@functools.lru_cache(maxsize=512)
def _complete(text: str) -> str:
    return triage.complete(text)


@functools.lru_cache(maxsize=512)
def _known_values(user_text: str) -> tuple[tuple[str, Any], ...]:
    return tuple(triage.known_values(user_text).items())


class TicketAuthor:
    """A triage prompt's facts, priority and reply for tool inputs; a plausible support answer as text."""

    def complete(self, text: str) -> str:
        return _complete(text)

    def known_values(self, user_text: str) -> JsonObject:
        return dict(_known_values(user_text))


TICKET_AUTHOR = TicketAuthor()


def generate(prompt: Prompt, *, salt: str, bad_output: BadOutput | None = None) -> Completion:
    """The stand-in model's completion of `prompt` (see `engine.generate`)."""
    return engine.generate(prompt, TICKET_AUTHOR, salt=salt, bad_output=bad_output)


class LocalModel:
    """The Converse backend without an upstream: the stand-in model answers."""

    def converse(self, request: ConverseRequest, context: RequestContext) -> JsonObject:
        salt = digest(request.model_id, request.body)
        completion = generate(request.prompt, salt=salt, bad_output=context.bad_output)
        return completion_response(completion, context)

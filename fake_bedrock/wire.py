"""The vocabulary every layer of fake_bedrock shares: JSON bodies, what the server knows of a request,
Bedrock's stop reasons, the ways model output is spoiled on request, and deterministic ids.

A leaf: it imports nothing of fake_bedrock, so protocols, models, the upstream and the faults can all use it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

JsonObject = dict[str, Any]


class BadOutput(StrEnum):
    """Ways a real model's output goes wrong, injected on request."""

    TEXT_INSTEAD_OF_TOOL = "text_instead_of_tool"  # prose with broken JSON where a tool call was due
    GARBLED_TOOL_INPUT = "garbled_tool_input"  # a tool call whose input does not match the schema
    BROKEN_JSON_TEXT = "broken_json_text"  # a plain answer that is a truncated JSON fragment


class StopReason(StrEnum):
    END_TURN = "end_turn"
    TOOL_USE = "tool_use"
    MAX_TOKENS = "max_tokens"
    STOP_SEQUENCE = "stop_sequence"


@dataclass(frozen=True)
class RequestContext:
    """What the server knows about a request besides its body."""

    started: float  # time.perf_counter() when the request arrived
    bad_output: BadOutput | None = None


def digest(*parts: object) -> str:
    """A stable hex digest of JSON-serialisable parts, for deterministic ids."""
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

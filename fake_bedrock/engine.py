"""The generic completion engine: a prompt in, a completion out, the same one every time.

Protocol modules (`converse`, `invoke`) translate their bodies into a `Prompt` and a `Completion` back;
this module decides between text and a tool call, fills tool inputs from their JSON schema, counts tokens,
applies `maxTokens` and stop sequences, and produces the malformed output that fault injection asks for.
What the model *says* is not decided here: the caller gives an `Author` (the ticket triage's is
`local_model.TicketAuthor`), so the engine knows nothing of tickets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from fake_bedrock import tokens
from fake_bedrock.malformed import broken_json_text, garble, tool_call_as_text
from fake_bedrock.wire import BadOutput, JsonObject, StopReason, digest


class ToolMode(StrEnum):
    AUTO = "auto"  # the model decides
    ANY = "any"  # the model must call some tool
    TOOL = "tool"  # the model must call the named tool


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    schema: JsonObject


@dataclass(frozen=True)
class Turn:
    role: str  # "user" | "assistant"
    text: str
    tool_results: int = 0  # how many toolResult blocks the turn carries


@dataclass(frozen=True)
class Prompt:
    system: str
    turns: tuple[Turn, ...]
    max_tokens: int
    tools: tuple[Tool, ...] = ()
    tool_mode: ToolMode | None = None
    tool_name: str | None = None
    stop_sequences: tuple[str, ...] = ()
    narrate_tool_calls: bool = False  # the model writes a short text block before a tool call it chose


@dataclass(frozen=True)
class ToolCall:
    tool_use_id: str
    name: str
    input: JsonObject


@dataclass(frozen=True)
class Completion:
    stop_reason: StopReason
    input_tokens: int
    output_tokens: int
    text: str | None = None
    tool_call: ToolCall | None = None
    stop_sequence: str | None = None

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


class Author(Protocol):
    """What the model says; the engine only shapes it into text or a tool call."""

    def complete(self, text: str) -> str:
        """The free-text answer to `text` (the last user turn, or the system prompt without one)."""
        ...

    def known_values(self, user_text: str) -> JsonObject:
        """Values for tool-input fields of these names, read from the last user turn."""
        ...


def generate(prompt: Prompt, author: Author, *, salt: str, bad_output: BadOutput | None = None) -> Completion:
    """The model's answer; `salt` (a digest of the request) makes ids deterministic per request."""
    input_tokens = _input_tokens(prompt)
    tool = _chosen_tool(prompt)
    if tool is None:
        return _text_completion(prompt, author, input_tokens, bad_output)
    return _tool_completion(prompt, tool, author, input_tokens, salt=salt, bad_output=bad_output)


def _input_tokens(prompt: Prompt) -> int:
    tool_text = " ".join(f"{t.name} {t.description} {json.dumps(t.schema)}" for t in prompt.tools)
    return max(1, tokens.count(prompt.system) + sum(tokens.count(t.text) for t in prompt.turns)) + (
        tokens.count(tool_text)
    )


def _last_user_text(prompt: Prompt) -> str:
    return next((turn.text for turn in reversed(prompt.turns) if turn.role == "user"), "")


def _chosen_tool(prompt: Prompt) -> Tool | None:
    if not prompt.tools or prompt.tool_mode is None:
        return None
    if prompt.turns and prompt.turns[-1].tool_results:
        return None  # the tool has answered: the model now replies in words
    if prompt.tool_mode is ToolMode.TOOL:
        return next((t for t in prompt.tools if t.name == prompt.tool_name), None)
    context = f"{prompt.system}\n{_last_user_text(prompt)}"
    mentioned = next((t for t in prompt.tools if t.name in context), None)
    if prompt.tool_mode is ToolMode.ANY:
        return mentioned or prompt.tools[0]
    return mentioned


def _text_completion(
    prompt: Prompt, author: Author, input_tokens: int, bad_output: BadOutput | None
) -> Completion:
    text = author.complete(_last_user_text(prompt) or prompt.system)
    if bad_output is not None:
        text = broken_json_text(text)
    stop_reason, stop_sequence = StopReason.END_TURN, None
    for sequence in prompt.stop_sequences:
        if sequence and sequence in text:
            text, stop_reason, stop_sequence = text.split(sequence, 1)[0], StopReason.STOP_SEQUENCE, sequence
    text, cut = tokens.truncate(text, prompt.max_tokens)
    if cut:
        stop_reason, stop_sequence = StopReason.MAX_TOKENS, None
    return Completion(stop_reason, input_tokens, tokens.count(text), text=text, stop_sequence=stop_sequence)


def _tool_completion(
    prompt: Prompt, tool: Tool, author: Author, input_tokens: int, *, salt: str, bad_output: BadOutput | None
) -> Completion:
    known = author.known_values(_last_user_text(prompt))
    arguments = fill(tool.schema, known, fallback=_Fallback(prompt, author))
    payload = json.dumps(arguments, ensure_ascii=False)
    if bad_output in (BadOutput.TEXT_INSTEAD_OF_TOOL, BadOutput.BROKEN_JSON_TEXT):
        return _text_only(prompt, tool_call_as_text(tool.name, payload), input_tokens)
    if bad_output is BadOutput.GARBLED_TOOL_INPUT:
        arguments = garble(arguments, tool.schema, payload)
        payload = json.dumps(arguments, ensure_ascii=False)
    narration = _narration(prompt, tool)
    output_tokens = tokens.count(payload) + tokens.count(narration or "")
    if output_tokens > prompt.max_tokens:
        # Cut off mid-call: what came out is the start of the arguments, and no tool call.
        return _text_only(prompt, payload, input_tokens)
    call = ToolCall(f"tooluse_{digest(salt, tool.name)[:22]}", tool.name, arguments)
    return Completion(StopReason.TOOL_USE, input_tokens, output_tokens, text=narration, tool_call=call)


def _text_only(prompt: Prompt, text: str, input_tokens: int) -> Completion:
    text, cut = tokens.truncate(text, prompt.max_tokens)
    stop_reason = StopReason.MAX_TOKENS if cut else StopReason.END_TURN
    return Completion(stop_reason, input_tokens, tokens.count(text), text=text)


def _narration(prompt: Prompt, tool: Tool) -> str | None:
    if not prompt.narrate_tool_calls or prompt.tool_mode is not ToolMode.AUTO:
        return None
    return f"<thinking>I have what I need, so I will call the {tool.name} tool.</thinking>"


class _Fallback:
    """The free-text answer for string fields nothing else fills, computed only if one needs it."""

    def __init__(self, prompt: Prompt, author: Author) -> None:
        self._prompt = prompt
        self._author = author

    def __str__(self) -> str:
        return self._author.complete(_last_user_text(self._prompt) or self._prompt.system)


def fill(schema: JsonObject, known: JsonObject, *, fallback: object, name: str = "", depth: int = 0) -> Any:
    """A value that validates against `schema` (the JSON Schema subset tool specs use); `str(fallback)` is
    the text of string fields no known value fills."""
    for keyword in ("const", "default"):
        if keyword in schema:
            return schema[keyword]
    if "enum" in schema:
        options = list(schema["enum"])
        return known[name] if known.get(name) in options else (options[0] if options else None)
    kind = _schema_type(schema)
    if kind == "object":
        return _fill_object(schema, known, fallback, depth)
    if kind == "array":
        return _fill_array(schema, known, fallback, name, depth)
    return _fill_scalar(kind, schema, known.get(name), fallback)


def _schema_type(schema: JsonObject) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if isinstance(kind, str):
        return kind
    return "object" if "properties" in schema else "string"


def _fill_object(schema: JsonObject, known: JsonObject, fallback: object, depth: int) -> JsonObject:
    properties: dict[str, JsonObject] = schema.get("properties", {})
    if depth > 6:
        return {}
    return {
        key: fill(sub, known, fallback=fallback, name=key, depth=depth + 1) for key, sub in properties.items()
    }


def _fill_array(schema: JsonObject, known: JsonObject, fallback: object, name: str, depth: int) -> list[Any]:
    if isinstance(known.get(name), list):
        return list(known[name])
    items = schema.get("items", {})
    size = max(1, int(schema.get("minItems", 1)))
    return [fill(items, known, fallback=fallback, depth=depth + 1) for _ in range(size)] if depth <= 6 else []


def _fill_scalar(kind: str, schema: JsonObject, known: Any, fallback: object) -> Any:
    if kind == "boolean":
        return known if isinstance(known, bool) else False
    if kind in ("integer", "number"):
        if isinstance(known, int | float) and not isinstance(known, bool):
            return int(known) if kind == "integer" else known
        low = float(schema["minimum"] if "minimum" in schema else schema.get("exclusiveMinimum") or 0)
        bump = 1 if "exclusiveMinimum" in schema and "minimum" not in schema else 0
        return int(low) + bump if kind == "integer" else low + bump
    if kind == "null":
        return None
    text = known if isinstance(known, str) else str(fallback)
    text = text[: int(schema["maxLength"])] if "maxLength" in schema else text
    return text.ljust(int(schema.get("minLength", 0)), ".")

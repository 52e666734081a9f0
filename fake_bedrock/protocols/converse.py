"""Bedrock Runtime `Converse` (`POST /model/{modelId}/converse`): request checks and response shape.

The checks are the ones the real service makes before a model sees the request (messages start with a
user turn and alternate, blocks are not empty, `maxTokens` within the model's limit, tool names and
`toolChoice` consistent, tool blocks only with a `toolConfig`), with the real service's messages. Then the
backend it is given answers: the local model or the upstream, which this module does not know.
"""

from __future__ import annotations

import re
import time
from itertools import pairwise
from typing import Any

from fake_bedrock.backend import Backend, ConverseRequest
from fake_bedrock.engine import Completion, Prompt, Tool, ToolMode, Turn
from fake_bedrock.protocols.errors import ServiceError, constraint_errors, validation
from fake_bedrock.protocols.model_ids import Family, ModelSpec
from fake_bedrock.wire import JsonObject, RequestContext

_TOOL_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
_ROLES = ("user", "assistant")
_MAX_STOP_SEQUENCES = 4


def converse(model: ModelSpec, body: JsonObject, context: RequestContext, backend: Backend) -> JsonObject:
    prompt = parse_prompt(model, body)  # the service's checks, whichever backend answers
    return backend.converse(ConverseRequest(model.model_id, body, prompt), context)


def completion_response(completion: Completion, context: RequestContext) -> JsonObject:
    """The Converse response body for a completion of the local model."""
    return {
        "output": {"message": {"role": "assistant", "content": content_blocks(completion)}},
        "stopReason": completion.stop_reason.value,
        "usage": {
            "inputTokens": completion.input_tokens,
            "outputTokens": completion.output_tokens,
            "totalTokens": completion.total_tokens,
        },
        "metrics": {"latencyMs": max(1, round((time.perf_counter() - context.started) * 1000))},
    }


def content_blocks(completion: Completion) -> list[JsonObject]:
    blocks: list[JsonObject] = []
    if completion.text is not None:
        blocks.append({"text": completion.text})
    if completion.tool_call is not None:
        call = completion.tool_call
        blocks.append({"toolUse": {"toolUseId": call.tool_use_id, "name": call.name, "input": call.input}})
    return blocks


def parse_prompt(model: ModelSpec, body: JsonObject, *, max_tokens_key: str = "maxTokens") -> Prompt:
    """A Prompt from Converse-shaped fields (Nova's InvokeModel body shares them)."""
    turns = parse_messages(body.get("messages"))
    tools, mode, tool_name = parse_tool_config(model, body.get("toolConfig"))
    if mode is None and any(_has_tool_blocks(m) for m in body.get("messages") or []):
        raise validation(
            "The toolConfig field must be defined when using toolUse and toolResult content blocks."
        )
    config = _object(body.get("inferenceConfig") or {}, "inferenceConfig")
    return Prompt(
        system=parse_system(body.get("system")),
        turns=turns,
        max_tokens=parse_max_tokens(model, config.get(max_tokens_key)),
        tools=tools,
        tool_mode=mode,
        tool_name=tool_name,
        stop_sequences=parse_inference_limits(config),
        narrate_tool_calls=model.family is Family.NOVA,
    )


def _object(value: Any, member: str) -> JsonObject:
    if not isinstance(value, dict):
        raise ServiceError("SerializationException", f"Expected an object at '{member}'.")
    return value


def _list(value: Any, member: str) -> list[Any]:
    if not isinstance(value, list):
        raise ServiceError("SerializationException", f"Expected a list at '{member}'.")
    return value


def parse_system(system: Any) -> str:
    if system is None:
        return ""
    blocks = _list(system, "system")
    return "\n".join(str(_object(b, "system").get("text", "")) for b in blocks if "text" in b)


def parse_messages(messages: Any) -> tuple[Turn, ...]:
    if not messages:
        raise validation(
            "A conversation must start with a user message. Try again with a conversation that starts "
            "with a user message."
        )
    turns = tuple(
        _parse_message(_object(m, f"messages.{i}"), i) for i, m in enumerate(_list(messages, "messages"))
    )
    if turns[0].role != "user":
        raise validation(
            "A conversation must start with a user message. Try again with a conversation that starts "
            "with a user message."
        )
    if any(a.role == b.role for a, b in pairwise(turns)):
        raise validation(
            "A conversation must alternate between user and assistant roles. Make sure the conversation "
            "alternates between user and assistant roles and try again."
        )
    return turns


def _parse_message(message: JsonObject, index: int) -> Turn:
    role = message.get("role")
    if role not in _ROLES:
        raise constraint_errors(
            [
                f"Value '{role}' at 'messages.{index + 1}.member.role' failed to satisfy constraint: "
                "Member must satisfy enum value set: [user, assistant]"
            ]
        )
    content = message.get("content")
    if not content:
        raise validation(
            f"The content field in the Message object at messages.{index} is empty. Add a ContentBlock "
            "object to the content field and try again."
        )
    texts: list[str] = []
    tool_results = 0
    for position, block in enumerate(_list(content, f"messages.{index}.content")):
        text, is_result = _block_text(_object(block, "content"), f"messages.{index}.content.{position}")
        texts.append(text)
        tool_results += is_result
    return Turn(role=str(role), text="\n".join(t for t in texts if t), tool_results=tool_results)


def _block_text(block: JsonObject, where: str) -> tuple[str, bool]:
    """The text a content block contributes to the prompt, and whether it is a tool result."""
    if "text" in block:
        if not str(block["text"]).strip():
            raise validation(
                f"The text field in the ContentBlock object at {where} is blank. Add text to the text "
                "field, and try again."
            )
        return str(block["text"]), False
    if "toolResult" in block:
        parts = _object(block["toolResult"], where).get("content") or []
        return " ".join(str(p.get("text", p.get("json", ""))) for p in parts if isinstance(p, dict)), True
    return "", False  # images, documents, toolUse, reasoning and cache points carry no prompt text here


def _has_tool_blocks(message: Any) -> bool:
    content = message.get("content") if isinstance(message, dict) else None
    return isinstance(content, list) and any(
        isinstance(b, dict) and ("toolUse" in b or "toolResult" in b) for b in content
    )


def parse_max_tokens(model: ModelSpec, value: Any) -> int:
    if value is None:
        return model.max_output_tokens
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise constraint_errors(
            [
                f"Value '{value}' at 'inferenceConfig.maxTokens' failed to satisfy constraint: "
                "Member must have value greater than or equal to 1"
            ]
        )
    if value > model.max_output_tokens:
        limit = model.max_output_tokens
        raise validation(
            f"The maximum tokens you requested exceeds the model limit of {limit}. Try again with a "
            f"maximum tokens value that is lower than {limit}."
        )
    return value


def parse_inference_limits(config: JsonObject) -> tuple[str, ...]:
    """Check temperature and topP; return the stop sequences."""
    for key in ("temperature", "topP"):
        value = config.get(key)
        if value is not None and (not isinstance(value, int | float) or not 0 <= value <= 1):
            raise constraint_errors(
                [
                    f"Value '{value}' at 'inferenceConfig.{key}' failed to satisfy constraint: "
                    "Member must have value less than or equal to 1"
                ]
            )
    stops = [str(s) for s in _list(config.get("stopSequences") or [], "inferenceConfig.stopSequences")]
    if len(stops) > _MAX_STOP_SEQUENCES:
        raise validation(f"Too many stop sequences: at most {_MAX_STOP_SEQUENCES} are allowed.")
    return tuple(stops)


def parse_tool_config(model: ModelSpec, config: Any) -> tuple[tuple[Tool, ...], ToolMode | None, str | None]:
    if config is None:
        return (), None, None
    if not model.supports_tools:
        raise validation("This model doesn't support tool use.")
    raw_tools = _list(_object(config, "toolConfig").get("tools") or [], "toolConfig.tools")
    tools = tuple(_parse_tool(_object(t, "tools"), i) for i, t in enumerate(raw_tools) if "toolSpec" in t)
    if not tools:
        raise validation("The toolConfig field must contain at least one tool.")
    names = [t.name for t in tools]
    if len(set(names)) != len(names):
        raise validation("The toolConfig field contains duplicate tool names. Tool names must be unique.")
    mode, name = _parse_tool_choice(config.get("toolChoice"), names)
    return tools, mode, name


def _parse_tool(tool: JsonObject, index: int) -> Tool:
    spec = _object(tool["toolSpec"], f"toolConfig.tools.{index}.toolSpec")
    name = spec.get("name")
    if not isinstance(name, str) or not _TOOL_NAME.fullmatch(name):
        raise constraint_errors(
            [
                f"Value '{name}' at 'toolConfig.tools.{index + 1}.member.toolSpec.name' failed to satisfy "
                "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+"
            ]
        )
    schema = _object(spec.get("inputSchema") or {}, "inputSchema").get("json")
    if not isinstance(schema, dict) or schema.get("type") != "object":
        raise validation(
            f"The value at toolConfig.tools.{index}.toolSpec.inputSchema.json.type must be one of the "
            "following: object."
        )
    return Tool(name=name, description=str(spec.get("description", "")), schema=schema)


def _parse_tool_choice(choice: Any, names: list[str]) -> tuple[ToolMode, str | None]:
    if choice is None or "auto" in choice:
        return ToolMode.AUTO, None
    if "any" in choice:
        return ToolMode.ANY, None
    if "tool" in choice:
        name = _object(choice["tool"], "toolChoice.tool").get("name")
        if name not in names:
            raise validation(
                f"The tool {name} specified in toolChoice is not defined in toolConfig.tools. "
                "Add the tool to toolConfig.tools and try again."
            )
        return ToolMode.TOOL, str(name)
    raise ServiceError("SerializationException", "toolChoice must set one of auto, any or tool.")

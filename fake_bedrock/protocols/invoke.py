"""Bedrock Runtime `InvokeModel` (`POST /model/{modelId}/invoke`): the model family's own body format.

- Amazon Nova (`messages-v1`): Converse-like `messages`, `system`, `toolConfig`;
  `inferenceConfig.max_new_tokens`.
- Anthropic Claude (Messages API): `anthropic_version`, `max_tokens`, `messages`, `tools`, `tool_choice`.
- Amazon Titan Text: `inputText`, `textGenerationConfig.maxTokenCount`.

Body errors are reported as the real service reports them: ValidationException "Malformed input request:
#: ..., please reformat your input and try again."
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from itertools import pairwise
from typing import Any

from fake_bedrock.backend import Generate
from fake_bedrock.engine import Completion, Prompt, Tool, ToolMode, Turn
from fake_bedrock.protocols.converse import (
    content_blocks,
    parse_inference_limits,
    parse_max_tokens,
    parse_prompt,
)
from fake_bedrock.protocols.errors import ServiceError, validation
from fake_bedrock.protocols.model_ids import Family, ModelSpec
from fake_bedrock.wire import JsonObject, RequestContext, digest

ANTHROPIC_VERSION = "bedrock-2023-05-31"
TITAN_DEFAULT_MAX_TOKENS = 512
_NOVA_KEYS = frozenset({"schemaVersion", "system", "messages", "inferenceConfig", "toolConfig"})
_CLAUDE_KEYS = frozenset(
    {
        "anthropic_version",
        "anthropic_beta",
        "max_tokens",
        "messages",
        "system",
        "temperature",
        "top_p",
        "top_k",
        "stop_sequences",
        "tools",
        "tool_choice",
        "metadata",
        "thinking",
    }
)
_TITAN_KEYS = frozenset({"inputText", "textGenerationConfig"})


def malformed(detail: str) -> ServiceError:
    return validation(f"Malformed input request: #: {detail}, please reformat your input and try again.")


def invoke_model(
    model: ModelSpec, raw_body: bytes, context: RequestContext, generate: Generate
) -> tuple[JsonObject, Completion]:
    """The response body and the completion `generate` made (the server turns its token counts into
    headers)."""
    try:
        body = json.loads(raw_body or b"null")
    except (ValueError, UnicodeDecodeError) as error:
        raise malformed("the request body is not valid JSON") from error
    if not isinstance(body, dict):
        raise malformed("expected type: JSONObject, found: " + type(body).__name__)
    handler = _HANDLERS[model.family]
    return handler(model, body, context, generate)


def _check_keys(body: JsonObject, allowed: frozenset[str], required: tuple[str, ...]) -> None:
    for key in required:
        if key not in body:
            raise malformed(f"required key [{key}] not found")
    extra = sorted(set(body) - allowed)
    if extra:
        raise malformed(f"extraneous key [{extra[0]}] is not permitted")


def _salted(model: ModelSpec, body: JsonObject) -> str:
    return digest(model.model_id, body)


# --- Amazon Nova ---------------------------------------------------------------------------------------


def _nova(
    model: ModelSpec, body: JsonObject, context: RequestContext, generate: Generate
) -> tuple[JsonObject, Completion]:
    _check_keys(body, _NOVA_KEYS, ("messages",))
    if body.get("schemaVersion", "messages-v1") != "messages-v1":
        raise malformed(f"schemaVersion: {body['schemaVersion']} is not a valid enum value")
    config = dict(body.get("inferenceConfig") or {})
    if "max_new_tokens" in config:
        config["maxTokens"] = config.pop("max_new_tokens")
    if "top_p" in config:
        config["topP"] = config.pop("top_p")
    prompt = parse_prompt(model, {**body, "inferenceConfig": config})
    completion = generate(prompt, salt=_salted(model, body), bad_output=context.bad_output)
    response = {
        "output": {"message": {"role": "assistant", "content": content_blocks(completion)}},
        "stopReason": completion.stop_reason.value,
        "usage": {
            "inputTokens": completion.input_tokens,
            "outputTokens": completion.output_tokens,
            "totalTokens": completion.total_tokens,
            "cacheReadInputTokenCount": 0,
            "cacheWriteInputTokenCount": 0,
        },
    }
    return response, completion


# --- Anthropic Claude ----------------------------------------------------------------------------------


def _claude(
    model: ModelSpec, body: JsonObject, context: RequestContext, generate: Generate
) -> tuple[JsonObject, Completion]:
    _check_keys(body, _CLAUDE_KEYS, ("anthropic_version", "max_tokens", "messages"))
    if body["anthropic_version"] != ANTHROPIC_VERSION:
        raise malformed(f"anthropic_version: {body['anthropic_version']} is not a valid enum value")
    tools = tuple(_claude_tool(t) for t in body.get("tools") or [])
    mode, name = _claude_tool_choice(body.get("tool_choice"), tools)
    prompt = Prompt(
        system=_claude_text(body.get("system")),
        turns=tuple(_claude_turn(m) for m in _claude_messages(body["messages"])),
        max_tokens=parse_max_tokens(model, body["max_tokens"]),
        tools=tools,
        tool_mode=mode,
        tool_name=name,
        stop_sequences=parse_inference_limits(
            {
                "temperature": body.get("temperature"),
                "topP": body.get("top_p"),
                "stopSequences": body.get("stop_sequences"),
            }
        ),
    )
    completion = generate(prompt, salt=_salted(model, body), bad_output=context.bad_output)
    content: list[JsonObject] = []
    if completion.text is not None:
        content.append({"type": "text", "text": completion.text})
    if completion.tool_call is not None:
        call = completion.tool_call
        tool_id = "toolu_bdrk_" + call.tool_use_id.removeprefix("tooluse_")
        content.append({"type": "tool_use", "id": tool_id, "name": call.name, "input": call.input})
    response = {
        "id": "msg_bdrk_" + _salted(model, body)[:24],
        "type": "message",
        "role": "assistant",
        "model": re.sub(r"-v\d+(:\d+)?$", "", model.model_id.removeprefix("anthropic.")),
        "content": content,
        "stop_reason": completion.stop_reason.value,
        "stop_sequence": completion.stop_sequence,
        "usage": {"input_tokens": completion.input_tokens, "output_tokens": completion.output_tokens},
    }
    return response, completion


def _claude_messages(messages: Any) -> list[JsonObject]:
    if not isinstance(messages, list) or not messages:
        raise malformed("messages: expected minimum item count: 1")
    if any(not isinstance(m, dict) for m in messages):
        raise malformed("messages: expected type: JSONObject")
    roles = [m.get("role") for m in messages]
    if roles[0] != "user" or any(a == b for a, b in pairwise(roles)):
        raise validation('messages: roles must alternate between "user" and "assistant"')
    return messages


def _claude_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(_claude_block_text(b) for b in value if isinstance(b, dict))
    raise malformed("system: expected type: String or JSONArray")


def _claude_block_text(block: JsonObject) -> str:
    if block.get("type") == "tool_result":
        return _claude_text(block.get("content"))
    return str(block.get("text", ""))


def _claude_turn(message: JsonObject) -> Turn:
    content = message.get("content")
    results = 0
    if isinstance(content, list):
        results = sum(1 for b in content if isinstance(b, dict) and b.get("type") == "tool_result")
    return Turn(role=str(message.get("role")), text=_claude_text(content), tool_results=results)


def _claude_tool(tool: Any) -> Tool:
    if not isinstance(tool, dict) or "name" not in tool or "input_schema" not in tool:
        raise malformed("tools: required keys [name, input_schema] not found")
    return Tool(
        name=str(tool["name"]), description=str(tool.get("description", "")), schema=tool["input_schema"]
    )


def _claude_tool_choice(choice: Any, tools: tuple[Tool, ...]) -> tuple[ToolMode | None, str | None]:
    if not tools:
        return None, None
    kind = (choice or {"type": "auto"}).get("type")
    if kind == "none":
        return None, None
    if kind == "tool":
        name = choice.get("name")
        if name not in {t.name for t in tools}:
            raise validation(f"tool_choice: tool {name} was not found in tools")
        return ToolMode.TOOL, str(name)
    if kind not in ("auto", "any"):
        raise malformed(f"tool_choice.type: {kind} is not a valid enum value")
    return ToolMode(kind), None


# --- Amazon Titan Text ---------------------------------------------------------------------------------


def _titan(
    model: ModelSpec, body: JsonObject, context: RequestContext, generate: Generate
) -> tuple[JsonObject, Completion]:
    _check_keys(body, _TITAN_KEYS, ("inputText",))
    config = body.get("textGenerationConfig") or {}
    max_tokens = config.get("maxTokenCount", min(TITAN_DEFAULT_MAX_TOKENS, model.max_output_tokens))
    prompt = Prompt(
        system="",
        turns=(Turn(role="user", text=str(body["inputText"])),),
        max_tokens=parse_max_tokens(model, max_tokens),
        stop_sequences=parse_inference_limits(
            {
                "temperature": config.get("temperature"),
                "topP": config.get("topP"),
                "stopSequences": config.get("stopSequences"),
            }
        ),
    )
    completion = generate(prompt, salt=_salted(model, body), bad_output=context.bad_output)
    reasons = {"max_tokens": "LENGTH", "stop_sequence": "STOP_CRITERIA_MET"}
    response = {
        "inputTextTokenCount": completion.input_tokens,
        "results": [
            {
                "tokenCount": completion.output_tokens,
                "outputText": completion.text or "",
                "completionReason": reasons.get(completion.stop_reason.value, "FINISH"),
            }
        ],
    }
    return response, completion


_Handler = Callable[[ModelSpec, JsonObject, RequestContext, Generate], tuple[JsonObject, Completion]]
_HANDLERS: dict[Family, _Handler] = {
    Family.NOVA: _nova,
    Family.CLAUDE: _claude,
    Family.TITAN: _titan,
}

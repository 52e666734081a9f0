"""Pure translation between Bedrock Converse and OpenAI-compatible chat completions (no network).

Converse → chat completions: `system` blocks become one system message; `messages` become chat messages
(text blocks → content, `toolUse` blocks → an assistant's `tool_calls`, `toolResult` blocks → `tool`
messages); `inferenceConfig` → `max_tokens`/`temperature`/`top_p`/`stop`; `toolConfig` → `tools` and
`tool_choice`. Chat completion → Converse: the first choice's content → a text block, its `tool_calls` →
`toolUse` blocks (arguments that are not a JSON object → a text block, as from a model that broke its
format), `finish_reason` → `stopReason`, `usage` → `usage` (estimated when the server gives none).
Images, documents and reasoning blocks are not forwarded.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fake_bedrock import tokens
from fake_bedrock.malformed import broken_json_text, garble, tool_call_as_text
from fake_bedrock.wire import BadOutput, JsonObject, StopReason, digest

_TOOL_USE_ID_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]")
_TOOL_USE_ID_MAX = 64
# OpenAI finish_reason → Bedrock stopReason; anything else (`stop`, or `tool_calls` whose call did not
# parse) ends the turn.
_FINISH_REASONS = {"length": StopReason.MAX_TOKENS.value, "content_filter": "content_filtered"}
_INFERENCE_FIELDS = (
    ("maxTokens", "max_tokens"),
    ("temperature", "temperature"),
    ("topP", "top_p"),
    ("stopSequences", "stop"),
)


# --- Converse → chat completions ---------------------------------------------------------------------------


def chat_request(body: JsonObject, model: str) -> JsonObject:
    """The chat-completions request for a (validated) Converse request body."""
    messages: list[JsonObject] = []
    system = system_text(body.get("system"))
    if system:
        messages.append({"role": "system", "content": system})
    for message in body.get("messages") or []:
        messages.extend(chat_messages(message))
    request: JsonObject = {"model": model, "messages": messages, "stream": False}
    config = body.get("inferenceConfig") or {}
    for bedrock_key, chat_key in _INFERENCE_FIELDS:
        if config.get(bedrock_key) not in (None, []):
            request[chat_key] = config[bedrock_key]
    request.update(chat_tools(body.get("toolConfig")))
    return request


def system_text(system: Any) -> str:
    return "\n".join(str(block["text"]) for block in system or [] if "text" in block)


def chat_messages(message: JsonObject) -> list[JsonObject]:
    """One Converse message as chat messages: a user turn's tool results come first, as `tool` messages."""
    content: list[JsonObject] = message.get("content") or []
    text = "\n".join(str(block["text"]) for block in content if "text" in block)
    if message.get("role") == "assistant":
        calls = [_tool_call(block["toolUse"]) for block in content if "toolUse" in block]
        assistant: JsonObject = {"role": "assistant", "content": text or (None if calls else "")}
        if calls:
            assistant["tool_calls"] = calls
        return [assistant]
    results = [_tool_message(block["toolResult"]) for block in content if "toolResult" in block]
    return results + ([{"role": "user", "content": text}] if text or not results else [])


def _tool_call(tool_use: JsonObject) -> JsonObject:
    return {
        "id": str(tool_use.get("toolUseId", "")),
        "type": "function",
        "function": {
            "name": str(tool_use.get("name", "")),
            "arguments": json.dumps(tool_use.get("input", {}), ensure_ascii=False),
        },
    }


def _tool_message(tool_result: JsonObject) -> JsonObject:
    parts = [
        str(part["text"]) if "text" in part else json.dumps(part["json"], ensure_ascii=False)
        for part in tool_result.get("content") or []
        if isinstance(part, dict) and ("text" in part or "json" in part)
    ]
    text = "\n".join(parts)
    if tool_result.get("status") == "error":
        text = f"Error: {text}"
    return {"role": "tool", "tool_call_id": str(tool_result.get("toolUseId", "")), "content": text}


def chat_tools(tool_config: Any) -> JsonObject:
    """`tools` and `tool_choice` for a Converse `toolConfig` (empty when there is none)."""
    if not tool_config:
        return {}
    tools = [
        {
            "type": "function",
            "function": {
                "name": spec["name"],
                "description": str(spec.get("description", "")),
                "parameters": (spec.get("inputSchema") or {}).get("json", {"type": "object"}),
            },
        }
        for spec in (tool.get("toolSpec") for tool in tool_config.get("tools") or [])
        if spec
    ]
    translated: JsonObject = {"tools": tools}
    choice = tool_config.get("toolChoice")
    if choice:
        translated["tool_choice"] = tool_choice(choice)
    return translated


def tool_choice(choice: JsonObject) -> Any:
    if "tool" in choice:
        return {"type": "function", "function": {"name": choice["tool"]["name"]}}
    return "required" if "any" in choice else "auto"


# --- chat completion → Converse ----------------------------------------------------------------------------


class MalformedCompletionError(ValueError):
    """The upstream answered 200 with something that is not a chat completion."""


def converse_response(completion: Any, request: JsonObject, *, latency_ms: int) -> JsonObject:
    """The Converse response for a chat completion answering the Converse request `request`."""
    message, finish_reason = _first_choice(completion)
    blocks = _content_blocks(message)
    stop_reason = stop_reason_for(finish_reason, has_tool_use=any("toolUse" in b for b in blocks))
    return {
        "output": {"message": {"role": "assistant", "content": blocks}},
        "stopReason": stop_reason,
        "usage": usage_for(completion.get("usage"), request, blocks),
        "metrics": {"latencyMs": max(1, latency_ms)},
    }


def _first_choice(completion: Any) -> tuple[JsonObject, Any]:
    choices = completion.get("choices") if isinstance(completion, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise MalformedCompletionError("the upstream's answer has no choices")
    message = choices[0].get("message")
    if not isinstance(message, dict):
        raise MalformedCompletionError("the upstream's first choice has no message")
    return message, choices[0].get("finish_reason")


def _content_blocks(message: JsonObject) -> list[JsonObject]:
    blocks: list[JsonObject] = []
    text = _message_text(message.get("content"))
    if text:
        blocks.append({"text": text})
    for index, call in enumerate(message.get("tool_calls") or []):
        blocks.append(tool_use_block(call, index))
    return blocks


def _message_text(content: Any) -> str:
    if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}]
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return content if isinstance(content, str) else ""


def tool_use_block(call: Any, index: int = 0) -> JsonObject:
    """A `toolUse` block for an OpenAI tool call; a text block with the raw arguments when they are not a
    JSON object (the model broke its format)."""
    function = (call.get("function") if isinstance(call, dict) else None) or {}
    name = str(function.get("name", ""))
    raw = function.get("arguments", "{}")
    arguments = raw if isinstance(raw, dict) else _json_object(raw)
    if arguments is None:
        return {"text": raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False)}
    return {
        "toolUse": {"toolUseId": tool_use_id(call.get("id"), name, index), "name": name, "input": arguments}
    }


def _json_object(raw: Any) -> JsonObject | None:
    if not isinstance(raw, str):
        return None
    try:
        parsed = json.loads(raw or "{}")
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def tool_use_id(call_id: Any, name: str, index: int) -> str:
    """The call id as a valid toolUseId (`[a-zA-Z0-9_-]{1,64}`); one is made up when the server sent none."""
    cleaned = _TOOL_USE_ID_UNSAFE.sub("_", str(call_id or ""))[:_TOOL_USE_ID_MAX]
    return cleaned or f"tooluse_{digest(name, index)[:22]}"


def stop_reason_for(finish_reason: Any, *, has_tool_use: bool) -> str:
    """Bedrock's stopReason. A tool call decides it (some servers say `stop` after one); a tool call
    that did not parse is a plain end of turn."""
    if has_tool_use:
        return StopReason.TOOL_USE.value
    return _FINISH_REASONS.get(str(finish_reason), StopReason.END_TURN.value)


def usage_for(usage: Any, request: JsonObject, blocks: list[JsonObject]) -> JsonObject:
    """Converse `usage` from the server's; each count the server left out is estimated."""
    usage = usage if isinstance(usage, dict) else {}
    input_tokens = _count(usage.get("prompt_tokens")) or estimate_input_tokens(request)
    output_tokens = _count(usage.get("completion_tokens"))
    if output_tokens is None:
        output_tokens = estimate_output_tokens(blocks)
    total = _count(usage.get("total_tokens")) or input_tokens + output_tokens
    return {"inputTokens": input_tokens, "outputTokens": output_tokens, "totalTokens": total}


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def estimate_input_tokens(request: JsonObject) -> int:
    texts = [system_text(request.get("system"))]
    for message in request.get("messages") or []:
        texts.extend(json.dumps(block, ensure_ascii=False) for block in message.get("content") or [])
    tools = (request.get("toolConfig") or {}).get("tools") or []
    texts.extend(json.dumps(tool, ensure_ascii=False) for tool in tools)
    return max(1, sum(tokens.count(text) for text in texts))


def estimate_output_tokens(blocks: list[JsonObject]) -> int:
    return sum(
        tokens.count(b["text"]) if "text" in b else tokens.count(json.dumps(b["toolUse"]["input"]))
        for b in blocks
    )


# --- injected bad output -----------------------------------------------------------------------------------


def spoil(response: JsonObject, bad_output: BadOutput, request: JsonObject) -> JsonObject:
    """The upstream's answer malformed the way fault injection asked, as the local model would do it."""
    blocks: list[JsonObject] = response["output"]["message"]["content"]
    tool_uses = [b["toolUse"] for b in blocks if "toolUse" in b]
    if tool_uses and bad_output is BadOutput.GARBLED_TOOL_INPUT:
        schemas = _tool_schemas(request)
        spoiled = [
            {"toolUse": {**b["toolUse"], "input": _garbled(b["toolUse"], schemas)}} if "toolUse" in b else b
            for b in blocks
        ]
        return _with_content(response, spoiled, response["stopReason"])
    if tool_uses:
        payload = json.dumps(tool_uses[0]["input"], ensure_ascii=False)
        text = tool_call_as_text(tool_uses[0]["name"], payload)
    else:
        text = broken_json_text("".join(str(b.get("text", "")) for b in blocks))
    return _with_content(response, [{"text": text}], StopReason.END_TURN.value)


def _tool_schemas(request: JsonObject) -> dict[str, JsonObject]:
    tools = (request.get("toolConfig") or {}).get("tools") or []
    specs = [tool["toolSpec"] for tool in tools if "toolSpec" in tool]
    return {str(spec.get("name")): (spec.get("inputSchema") or {}).get("json", {}) for spec in specs}


def _garbled(tool_use: JsonObject, schemas: dict[str, JsonObject]) -> JsonObject:
    arguments: JsonObject = tool_use["input"]
    return garble(arguments, schemas.get(tool_use["name"], {}), json.dumps(arguments, ensure_ascii=False))


def _with_content(response: JsonObject, blocks: list[JsonObject], stop_reason: str) -> JsonObject:
    return {
        **response,
        "output": {"message": {"role": "assistant", "content": blocks}},
        "stopReason": stop_reason,
    }

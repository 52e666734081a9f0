"""Model output malformed the way fault injection asks (`wire.BadOutput`), the same for the local model and
the upstream: a tool call given as prose with half its arguments, a plain answer as a truncated JSON
fragment, or tool input that does not validate against its schema."""

from __future__ import annotations

from fake_bedrock.wire import JsonObject


def _half(text: str) -> str:
    return text[: max(1, len(text) // 2)]


def tool_call_as_text(name: str, payload: str) -> str:
    """Prose where a tool call was due, with the call's JSON arguments (`payload`) cut in half."""
    return f"Here is the {name} call:\n```json\n{_half(payload)}"


def broken_json_text(text: str) -> str:
    """A plain answer as the start of a JSON object that never closes."""
    return '{"answer": "' + _half(text)


def garble(arguments: JsonObject, schema: JsonObject, payload: str) -> JsonObject:
    """Tool input that does not validate: a required field dropped and enum fields off their list."""
    garbled = dict(arguments)
    required = [key for key in schema.get("required", []) if key in garbled]
    if required:
        garbled.pop(required[-1])
    properties: dict[str, JsonObject] = schema.get("properties", {})
    for key, sub in properties.items():
        if "enum" in sub and key in garbled:
            garbled[key] = "UNSPECIFIED"
    if garbled == arguments:
        return {"raw_output": _half(payload)}
    return garbled

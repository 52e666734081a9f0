"""Sizes as AWS counts them, for the unit tests that hold the pipeline's payloads against AWS's limits."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def utf8(text: str) -> int:
    return len(text.encode("utf-8"))


def json_utf8(value: Any) -> int:
    """Step Functions' count of a payload: the UTF-8 bytes of its JSON text, non-ASCII as itself."""
    return utf8(json.dumps(value, separators=(",", ":"), ensure_ascii=False))


def dynamodb_item(item: Mapping[str, Any]) -> int:
    """An item's size by DynamoDB's rules (attribute names and values, UTF-8), rounded up where AWS's rule
    is approximate: a number as its digits, a list or map 3 bytes plus 1 an element."""
    return sum(utf8(name) + _attribute(value) for name, value in item.items())


def _attribute(value: Mapping[str, Any]) -> int:
    [(kind, content)] = value.items()
    if kind == "S":
        return utf8(content)
    if kind == "N":
        return len(content) + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + _attribute(element) for element in content)
    if kind == "M":
        return 3 + sum(1 + utf8(name) + _attribute(element) for name, element in content.items())
    raise ValueError(f"an attribute type these tests do not size: {kind}")


def sns_publish(request: Mapping[str, Any]) -> int:
    """A Publish's size as SNS counts it: the message and each attribute's name, type and value."""
    message = request["Message"]
    text = message if isinstance(message, str) else json.dumps(message, ensure_ascii=False)
    attributes = sum(
        utf8(name) + utf8(attribute["DataType"]) + utf8(attribute["StringValue"])
        for name, attribute in request.get("MessageAttributes", {}).items()
    )
    return utf8(text) + attributes

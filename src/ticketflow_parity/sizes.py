"""Sizes as AWS counts them: UTF-8 bytes of text, raw bytes of binary, DynamoDB's item size rules."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any


def utf8_size(value: Any) -> int:
    """The bytes AWS counts: a str's UTF-8 encoding (a lone surrogate counts as the 3 bytes it would take),
    bytes as they are; anything else (a file-like body) 0."""
    if isinstance(value, str):
        return len(value.encode("utf-8", errors="surrogatepass"))
    if isinstance(value, bytes | bytearray | memoryview):
        return len(value)
    return 0


def number_size(text: str) -> int:
    """A DynamoDB number: 1 byte per two significant digits (leading and trailing zeros trimmed), plus 1."""
    try:
        digits = Decimal(text).as_tuple().digits  # exact: no context rounds the 38 digits DynamoDB allows
    except (InvalidOperation, ValueError):
        return len(text)
    significant = len("".join(map(str, digits)).strip("0")) or 1
    return (significant + 1) // 2 + 1


def attribute_value_size(value: Mapping[str, Any]) -> int:
    """The size of one AttributeValue (`{"S": ...}`, `{"M": {...}}`, ...) by DynamoDB's rules ("Item sizes
    and formats"): lists and maps 3 bytes plus 1 a element, null and boolean 1 byte."""
    if not isinstance(value, Mapping) or len(value) != 1:
        return 0  # botocore refuses it
    ((kind, content),) = value.items()
    size = _BY_TYPE.get(kind)
    return size(content) if size is not None else 0


def item_size(item: Mapping[str, Any]) -> int:
    """An item's size: each attribute's UTF-8 name and its value."""
    return sum(utf8_size(name) + attribute_value_size(value) for name, value in item.items())


_BY_TYPE: dict[str, Callable[[Any], int]] = {
    "S": utf8_size,
    "B": utf8_size,
    "N": lambda number: number_size(str(number)),
    "BOOL": lambda _: 1,
    "NULL": lambda _: 1,
    "SS": lambda items: sum(map(utf8_size, items)),
    "BS": lambda items: sum(map(utf8_size, items)),
    "NS": lambda items: sum(number_size(str(item)) for item in items),
    "L": lambda items: 3 + sum(1 + attribute_value_size(item) for item in items),
    "M": lambda attributes: 3 + len(attributes) + item_size(attributes),
}

"""Each request against its service model's own constraints, as AWS's front end checks them and botocore
does not: `max` of strings, lists, maps and blobs, `min` of maps and blobs, numbers' `max`, every string's
`pattern` and `enum`, through nested structures, lists and maps.

botocore checks types, required members and `min` of strings, lists and numbers itself (and refuses before
sending): a request it would refuse is left to it whole, so its ParamValidationError is what the caller sees,
as against AWS. Lengths count characters (code points), as the Smithy `length` trait counts them and as
botocore's own `min` check does; a blob's length is its bytes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

from ticketflow_parity.java_regex import compiled


@dataclass(frozen=True)
class Violation:
    """One broken constraint, in AWS's words: `Value 'x' at 'records.1.member.data' failed to satisfy
    constraint: Member must ...`. A sensitive member's value is never shown (`Value at 'input' ...`)."""

    path: str
    value: str | None
    constraint: str

    def text(self) -> str:
        shown = "Value" if self.value is None else f"Value '{self.value}'"
        return f"{shown} at '{self.path}' failed to satisfy constraint: {self.constraint}"


# Shapes of values a service mints and its caller hands back, whose pattern is not checked: the emulator mints
# them in a format of its own (MiniStack's Kinesis sequence numbers have leading zeros, which AWS's pattern
# `0|([1-9]\d{0,128})` refuses), so a caller echoing one would be refused here and never on AWS.
MINTED_BY_THE_SERVICE = frozenset({"SequenceNumber"})


class BotocoreRefuses(Exception):  # noqa: N818 (a signal, not an error: botocore refuses, not us)
    """botocore's own validation will refuse this request: its answer stands."""


def violations(params: Mapping[str, Any], shape: StructureShape | None) -> list[Violation]:
    """What AWS would refuse in `params`; empty when nothing, or when botocore refuses the request itself."""
    if shape is None:
        return []
    try:
        return list(_structure(params, shape, "", hidden=False))
    except BotocoreRefuses:
        return []


def aws_name(member: str) -> str:
    """AWS's path names a member with its first letter lower-cased (`Records` → `records`)."""
    return member[:1].lower() + member[1:]


def _sensitive(shape: Shape) -> bool:
    return bool(shape.metadata.get("sensitive"))


def _walk(value: Any, shape: Shape, path: str, *, hidden: bool) -> Iterator[Violation]:
    hidden = hidden or _sensitive(shape)
    kind = shape.type_name
    if value is None:
        return
    if kind == "structure":
        if shape.is_document_type:  # type: ignore[attr-defined]
            return
        yield from _structure(value, shape, path, hidden=hidden)  # type: ignore[arg-type]
    elif kind == "list":
        yield from _list(value, shape, path, hidden=hidden)  # type: ignore[arg-type]
    elif kind == "map":
        yield from _map(value, shape, path, hidden=hidden)  # type: ignore[arg-type]
    else:
        broken = scalar_constraints(value, shape)
        if broken:
            yield from (Violation(path, None if hidden else java_text(value), text) for text in broken)


def _structure(value: Any, shape: StructureShape, path: str, *, hidden: bool) -> Iterator[Violation]:
    if not isinstance(value, Mapping):
        raise BotocoreRefuses
    members = shape.members
    if any(name not in value for name in shape.required_members) or any(key not in members for key in value):
        raise BotocoreRefuses
    for name, member_value in value.items():
        member_path = f"{path}.{aws_name(name)}" if path else aws_name(name)
        yield from _walk(member_value, members[name], member_path, hidden=hidden)


def _list(value: Any, shape: ListShape, path: str, *, hidden: bool) -> Iterator[Violation]:
    if not isinstance(value, list | tuple):
        raise BotocoreRefuses
    _botocore_min(len(value), shape)
    if (maximum := shape.metadata.get("max")) is not None and len(value) > maximum:
        shown = None if hidden else java_text(value)
        yield Violation(path, shown, f"Member must have length less than or equal to {maximum}")
    for index, item in enumerate(value, start=1):
        yield from _walk(item, shape.member, f"{path}.{index}.member", hidden=hidden)


def _map(value: Any, shape: MapShape, path: str, *, hidden: bool) -> Iterator[Violation]:
    """AWS reports a map's keys and values as the map's own (`Map keys must satisfy constraint: [...]`, with
    every constraint of the key's or value's shape) and shows the map whole."""
    if not isinstance(value, Mapping):
        raise BotocoreRefuses
    broken = _length_constraints(len(value), shape)
    if any(scalar_constraints(key, shape.key) for key in value):
        broken.append(f"Map keys must satisfy constraint: [{_listed(shape.key)}]")
    if any(_value_breaks(item, shape.value) for item in value.values()):
        broken.append(f"Map value must satisfy constraint: [{_listed(shape.value)}]")
    if broken:
        shown = None if hidden or _sensitive(shape.value) else java_text(value)
        yield from (Violation(path, shown, text) for text in broken)
    yield from _map_values(value, shape, path, hidden=hidden)


def _map_values(value: Mapping[str, Any], shape: MapShape, path: str, *, hidden: bool) -> Iterator[Violation]:
    """Inside a map's values (their paths are unverified: AWS's examples all report at the map)."""
    if isinstance(shape.value, ListShape):  # its length was the map's to report
        for key, items in value.items():
            for index, item in enumerate(items, start=1):
                yield from _walk(item, shape.value.member, f"{path}.{key}.{index}.member", hidden=hidden)
    elif shape.value.type_name in ("structure", "map"):
        for key, item in value.items():
            yield from _walk(item, shape.value, f"{path}.{key}", hidden=hidden)


def _value_breaks(item: Any, shape: Shape) -> bool:
    """Whether a map's value breaks its own shape's constraints (a list value: its length)."""
    if shape.type_name == "list":
        if not isinstance(item, list | tuple):
            raise BotocoreRefuses
        _botocore_min(len(item), shape)
        return bool(_length_constraints(len(item), shape))
    if shape.type_name in ("structure", "map"):
        return False
    return bool(scalar_constraints(item, shape))


def _length_constraints(length: int, shape: Shape) -> list[str]:
    """A map's, list's or blob's length against its bounds."""
    broken = []
    if length < shape.metadata.get("min", 0):
        broken.append(f"Member must have length greater than or equal to {shape.metadata['min']}")
    if (maximum := shape.metadata.get("max")) is not None and length > maximum:
        broken.append(f"Member must have length less than or equal to {maximum}")
    return broken


def _botocore_min(length: int | float, shape: Shape) -> None:
    if length < shape.metadata.get("min", float("-inf")):
        raise BotocoreRefuses


def scalar_constraints(value: Any, shape: Shape) -> list[str]:
    """The constraints of a string, blob or number that `value` breaks, in AWS's words."""
    kind = shape.type_name
    if kind == "string":
        return _string(value, shape)
    if kind == "blob":
        return _blob(value, shape)
    if kind in ("integer", "long", "double", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BotocoreRefuses
        _botocore_min(value, shape)
        maximum = shape.metadata.get("max")
        if maximum is not None and value > maximum:
            return [f"Member must have value less than or equal to {maximum}"]
    return []


def _string(value: Any, shape: Shape) -> list[str]:
    if not isinstance(value, str):
        raise BotocoreRefuses
    _botocore_min(len(value), shape)
    broken = []
    if (maximum := shape.metadata.get("max")) is not None and len(value) > maximum:
        broken.append(f"Member must have length less than or equal to {maximum}")
    pattern = shape.metadata.get("pattern")
    if pattern is not None and shape.name not in MINTED_BY_THE_SERVICE:
        regex = compiled(pattern)
        if regex is not None and regex.fullmatch(value) is None:
            broken.append(f"Member must satisfy regular expression pattern: {pattern}")
    enum = getattr(shape, "enum", None)
    if enum and value not in enum:
        broken.append(f"Member must satisfy enum value set: [{', '.join(enum)}]")
    return broken


def _blob(value: Any, shape: Shape) -> list[str]:
    """botocore checks neither bound of a blob. A str is sent as its UTF-8 bytes; a file-like body is the
    transfer's business (not read here)."""
    if isinstance(value, str):
        return _length_constraints(len(value.encode("utf-8")), shape)
    if isinstance(value, bytes | bytearray | memoryview):
        return _length_constraints(len(value), shape)
    return []


def _listed(shape: Shape) -> str:
    return ", ".join(all_constraints(shape))


def all_constraints(shape: Shape) -> list[str]:
    """Every constraint a scalar shape carries, in the order AWS lists them for a map's keys or values."""
    texts = []
    if "max" in shape.metadata:
        texts.append(f"Member must have length less than or equal to {shape.metadata['max']}")
    if "min" in shape.metadata:
        texts.append(f"Member must have length greater than or equal to {shape.metadata['min']}")
    if "pattern" in shape.metadata:
        texts.append(f"Member must satisfy regular expression pattern: {shape.metadata['pattern']}")
    if enum := getattr(shape, "enum", None):
        texts.append(f"Member must satisfy enum value set: [{', '.join(enum)}]")
    return texts


def java_text(value: Any) -> str:
    """A value as AWS's Java front end prints it in a message: lists `[a, b]`, maps `{k=v}`, a blob as its
    ByteBuffer, booleans lower-case."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes | bytearray | memoryview):
        return f"java.nio.HeapByteBuffer[pos=0 lim={len(value)} cap={len(value)}]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key}={java_text(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(java_text(item) for item in value) + "]"
    return str(value)

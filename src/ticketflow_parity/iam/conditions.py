"""The Condition element: every operator of IAM User Guide, "IAM JSON policy elements: Condition operators".

A block holds when every operator holds, an operator when every key holds, a key when any of its values
matches (none, for the negated operators). A key missing from the request context makes the condition false,
except for the negated operators (true), `...IfExists` (true) and `Null` (which asks exactly that);
`ForAllValues` holds for a missing key, `ForAnyValue` does not. Keys are not case sensitive, values are (but
for the IgnoreCase operators and Bool).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from ticketflow_parity.iam.patterns import arn_matches, like

# What a request carries for one key: one value, or several (a multivalued key such as aws:TagKeys).
ContextValue = str | tuple[str, ...]


class UnmodeledKeyError(LookupError):
    """A condition names a key this check cannot say AWS would (or would not) have: never guessed."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _date(text: str) -> datetime | None:
    if text.isdigit():
        return datetime.fromtimestamp(int(text), UTC)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _compare(parse: Callable[[str], object | None], test: Callable[[object, object], bool]) -> Comparison:
    def compare(value: str, expected: str) -> bool:
        left, right = parse(value), parse(expected)
        return left is not None and right is not None and test(left, right)

    return compare


def _ip(value: str, expected: str) -> bool:
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(expected, strict=False)
    except ValueError:
        return False


def _binary(value: str, expected: str) -> bool:
    try:
        return base64.b64decode(value, validate=True) == base64.b64decode(expected, validate=True)
    except (binascii.Error, ValueError):
        return False


Comparison = Callable[[str, str], bool]
_EQ: Callable[[object, object], bool] = lambda a, b: a == b  # noqa: E731
_LT: Callable[[object, object], bool] = lambda a, b: a < b  # type: ignore[operator]  # noqa: E731
_LE: Callable[[object, object], bool] = lambda a, b: a <= b  # type: ignore[operator]  # noqa: E731
_GT: Callable[[object, object], bool] = lambda a, b: a > b  # type: ignore[operator]  # noqa: E731
_GE: Callable[[object, object], bool] = lambda a, b: a >= b  # type: ignore[operator]  # noqa: E731

# operator (lower case) → (comparison, negated)
_OPERATORS: dict[str, tuple[Comparison, bool]] = {
    "stringequals": (lambda v, e: v == e, False),
    "stringnotequals": (lambda v, e: v == e, True),
    "stringequalsignorecase": (lambda v, e: v.casefold() == e.casefold(), False),
    "stringnotequalsignorecase": (lambda v, e: v.casefold() == e.casefold(), True),
    "stringlike": (lambda v, e: like(e, v), False),
    "stringnotlike": (lambda v, e: like(e, v), True),
    "numericequals": (_compare(_number, _EQ), False),
    "numericnotequals": (_compare(_number, _EQ), True),
    "numericlessthan": (_compare(_number, _LT), False),
    "numericlessthanequals": (_compare(_number, _LE), False),
    "numericgreaterthan": (_compare(_number, _GT), False),
    "numericgreaterthanequals": (_compare(_number, _GE), False),
    "dateequals": (_compare(_date, _EQ), False),
    "datenotequals": (_compare(_date, _EQ), True),
    "datelessthan": (_compare(_date, _LT), False),
    "datelessthanequals": (_compare(_date, _LE), False),
    "dategreaterthan": (_compare(_date, _GT), False),
    "dategreaterthanequals": (_compare(_date, _GE), False),
    "bool": (lambda v, e: v.lower() == e.lower(), False),
    "binaryequals": (_binary, False),
    "ipaddress": (_ip, False),
    "notipaddress": (_ip, True),
    "arnequals": (lambda v, e: arn_matches(e, v), False),
    "arnlike": (lambda v, e: arn_matches(e, v), False),
    "arnnotequals": (lambda v, e: arn_matches(e, v), True),
    "arnnotlike": (lambda v, e: arn_matches(e, v), True),
}


class UnknownOperatorError(ValueError):
    pass


def _parse_operator(operator: str) -> tuple[str | None, str, bool]:
    """(set qualifier, base operator, IfExists) of `ForAnyValue:StringLikeIfExists`, all lower case."""
    name = operator.lower()
    qualifier: str | None = None
    if ":" in name:
        qualifier, name = name.split(":", 1)
        if qualifier not in ("forallvalues", "foranyvalue"):
            raise UnknownOperatorError(operator)
    if_exists = name.endswith("ifexists") and name != "ifexists"
    if if_exists:
        name = name.removesuffix("ifexists")
    if name != "null" and name not in _OPERATORS:
        raise UnknownOperatorError(operator)
    return qualifier, name, if_exists


def _values(expected: object) -> list[str]:
    items = expected if isinstance(expected, list) else [expected]
    return [str(item).lower() if isinstance(item, bool) else str(item) for item in items]


def _holds_when_missing(qualifier: str | None, name: str, if_exists: bool) -> bool:
    if qualifier is not None:
        return qualifier == "forallvalues"
    return if_exists or _OPERATORS[name][1]


def operator_holds(operator: str, actual: ContextValue | None, expected: Sequence[str]) -> bool:
    qualifier, name, if_exists = _parse_operator(operator)
    if name == "null":
        return any((actual is None) == (value.lower() == "true") for value in expected)
    if actual is None:
        return _holds_when_missing(qualifier, name, if_exists)
    compare, negated = _OPERATORS[name]

    def matches(value: str) -> bool:
        hit = any(compare(value, e) for e in expected)
        return not hit if negated else hit

    values = actual if isinstance(actual, tuple) else (actual,)
    if qualifier == "forallvalues":
        return all(matches(value) for value in values)
    if qualifier == "foranyvalue":
        return any(matches(value) for value in values)
    return all(matches(value) for value in values) if negated else any(matches(value) for value in values)


def block_holds(
    block: Mapping[str, Mapping[str, object]],
    lookup: Callable[[str], ContextValue | None],
    substitute: Callable[[str], str | None],
) -> bool:
    """`lookup(key)` gives the request's value (None: AWS would not have the key; UnmodeledKeyError when that
    cannot be told); `substitute` resolves policy variables in a value (None: a variable is missing, and that
    value matches nothing)."""
    for operator, keys in block.items():
        for key, expected in keys.items():
            values = [v for v in (substitute(value) for value in _values(expected)) if v is not None]
            if not operator_holds(operator, lookup(key), values):
                return False
    return True

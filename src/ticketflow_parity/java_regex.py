"""The service models' patterns are Java regular expressions (AWS matches the whole value with them): here
translated to Python's `re`, or None where a construct has no faithful translation (the pattern is then
left unchecked, never guessed).

What differs and is translated: `\\p{...}`/`\\P{...}` classes (Unicode categories and Java's POSIX ones),
`\\x{h..h}`, escaped surrogate pairs (one supplementary character in Java), `\\Q...\\E`, `\\z`, `.` (Java's
excludes every line terminator), and \\d \\w \\s \\b, which are ASCII-only in Java as with re.ASCII.
Refused: nested classes and `&&` (Java's class union and intersection), and escapes Python lacks.
"""

from __future__ import annotations

import re
import sys
import unicodedata
import warnings
from functools import cache

Ranges = tuple[tuple[int, int], ...]

_POSIX: dict[str, Ranges] = {
    "ASCII": ((0x00, 0x7F),),
    "Lower": ((0x61, 0x7A),),
    "Upper": ((0x41, 0x5A),),
    "Alpha": ((0x41, 0x5A), (0x61, 0x7A)),
    "Digit": ((0x30, 0x39),),
    "Alnum": ((0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)),
    "Punct": ((0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)),
    "Graph": ((0x21, 0x7E),),
    "Print": ((0x20, 0x7E),),
    "Blank": ((0x09, 0x09), (0x20, 0x20)),
    "Cntrl": ((0x00, 0x1F), (0x7F, 0x7F)),
    "XDigit": ((0x30, 0x39), (0x41, 0x46), (0x61, 0x66)),
    "Space": ((0x09, 0x0D), (0x20, 0x20)),
    "all": ((0, sys.maxunicode),),
}
_ALIASES = {"IsAlphabetic": "L", "IsWhitespace": "Space", "LD": "L|Nd"}
_JAVA_LINE_TERMINATORS = r"\n\r\u0085\u2028\u2029"
_SURROGATE_PAIR = re.compile(r"\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})")
_UNTRANSLATABLE_ESCAPES = frozenset("hHvVRXGkKceC")


class _UntranslatableError(ValueError):
    pass


@cache
def _categories() -> dict[str, Ranges]:
    """Every Unicode general category as code point ranges: one pass, ~0.2 s, when a pattern needs it."""
    found: dict[str, list[tuple[int, int]]] = {}
    previous, start = unicodedata.category("\0"), 0
    for code in range(1, sys.maxunicode + 1):
        category = unicodedata.category(chr(code))
        if category != previous:
            found.setdefault(previous, []).append((start, code - 1))
            previous, start = category, code
    found.setdefault(previous, []).append((start, sys.maxunicode))
    return {name: tuple(ranges) for name, ranges in found.items()}


def _merge(ranges: list[tuple[int, int]]) -> Ranges:
    merged: list[tuple[int, int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(high, merged[-1][1]))
        else:
            merged.append((low, high))
    return tuple(merged)


def _complement(ranges: Ranges) -> Ranges:
    gaps, next_low = [], 0
    for low, high in ranges:
        if low > next_low:
            gaps.append((next_low, low - 1))
        next_low = high + 1
    if next_low <= sys.maxunicode:
        gaps.append((next_low, sys.maxunicode))
    return tuple(gaps)


@cache
def property_ranges(name: str) -> Ranges:
    """The code points of Java's `\\p{name}`: a POSIX class, a general category (`L`, `Lu`) or an alias."""
    name = _ALIASES.get(name, name)
    if "|" in name:
        return _merge([span for part in name.split("|") for span in property_ranges(part)])
    if name in _POSIX:
        return _POSIX[name]
    name = name.removeprefix("Is")
    categories = _categories()
    if len(name) in (1, 2) and name[0] in "LMNPSZC":
        spans = [
            span for category, ranges in categories.items() if category.startswith(name) for span in ranges
        ]
        if spans:
            return _merge(spans)
    raise _UntranslatableError(f"\\p{{{name}}}")


def _class_text(ranges: Ranges) -> str:
    return "".join(f"\\U{low:08x}" if low == high else f"\\U{low:08x}-\\U{high:08x}" for low, high in ranges)


class _Translator:
    """One left-to-right pass over the Java pattern, writing the Python one."""

    def __init__(self, pattern: str) -> None:
        self.source = _SURROGATE_PAIR.sub(self._pair, pattern)
        self.at = 0
        self.out: list[str] = []
        self.in_class = False
        self.class_start = 0
        self.dot_all = "(?s" in pattern

    @staticmethod
    def _pair(match: re.Match[str]) -> str:
        high, low = int(match[1], 16), int(match[2], 16)
        return f"\\x{{{0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00):x}}}"

    def run(self) -> str:
        while self.at < len(self.source):
            char = self.source[self.at]
            self.at += 1
            if char == "\\":
                self._escape()
            elif char == "[":
                self._open_class()
            elif char == "]" and self.in_class and self.at - 1 > self.class_start:
                self.in_class = False
                self.out.append("]")
            elif char == "&" and self.in_class and self.source.startswith("&", self.at):
                raise _UntranslatableError("&&")
            elif char == "." and not self.in_class and not self.dot_all:
                self.out.append(f"[^{_JAVA_LINE_TERMINATORS}]")
            elif (
                char == "("
                and self.source.startswith("?<", self.at)
                and self.source[self.at + 2 : self.at + 3] not in ("=", "!")
            ):
                self.out.append("(?P<")
                self.at += 2
            else:
                self.out.append(char)
        return "".join(self.out)

    def _open_class(self) -> None:
        if self.in_class:
            raise _UntranslatableError("nested class")
        self.in_class = True
        self.out.append("[")
        if self.source.startswith("^", self.at):
            self.out.append("^")
            self.at += 1
        self.class_start = self.at  # a `]` right here is a literal in Java
        if self.source.startswith("]", self.at):
            self.out.append("\\]")
            self.at += 1

    def _escape(self) -> None:
        if self.at >= len(self.source):
            raise _UntranslatableError("trailing backslash")
        char = self.source[self.at]
        self.at += 1
        if char in "pP":
            self._property(negated=char == "P")
        elif char == "x" and self.source.startswith("{", self.at):
            end = self.source.index("}", self.at)
            self.out.append(f"\\U{int(self.source[self.at + 1 : end], 16):08x}")
            self.at = end + 1
        elif char == "Q":
            end = self.source.find("\\E", self.at)
            end = len(self.source) if end < 0 else end
            self.out.append(re.escape(self.source[self.at : end]))
            self.at = end + 2
        elif char == "z":
            self.out.append("\\Z")
        elif char == "Z":
            self.out.append(f"(?=[{_JAVA_LINE_TERMINATORS}]?\\Z)")
        elif char in _UNTRANSLATABLE_ESCAPES:
            raise _UntranslatableError(f"\\{char}")
        else:
            self.out.append("\\" + char)

    def _property(self, *, negated: bool) -> None:
        if self.source.startswith("{", self.at):
            end = self.source.index("}", self.at)
            name, self.at = self.source[self.at + 1 : end], end + 1
        else:
            name, self.at = self.source[self.at], self.at + 1
        ranges = property_ranges(name)
        if self.in_class:
            self.out.append(_class_text(_complement(ranges) if negated else ranges))
        else:
            self.out.append(f"[{'^' if negated else ''}{_class_text(ranges)}]")


@cache
def compiled(pattern: str) -> re.Pattern[str] | None:
    """The model's pattern as Python's `re` (match with `fullmatch`, as AWS matches the whole value), or
    None where it cannot be translated faithfully."""
    try:
        python = _Translator(pattern).run()
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "possible nested set": a Java construct read differently
            return re.compile(python, re.ASCII)
    except (_UntranslatableError, re.error, FutureWarning, ValueError, IndexError):
        return None

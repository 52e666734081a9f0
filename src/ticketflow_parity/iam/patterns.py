"""IAM's wildcard matching: actions without regard to case, ARNs segment by segment, condition values as is.

IAM User Guide, "IAM JSON policy elements: Resource": `*` and `?` match within an ARN's segments (the
parts between its first five colons); a `*` that ends a segment may expand past the colons; the resource
part matches any character, `/` and `:` included. Action names are not case sensitive ("Action"), ARNs and
StringLike values are.
"""

from __future__ import annotations

import re
from functools import lru_cache

_ARN_SEGMENTS = 6


@lru_cache(maxsize=4096)
def _glob(pattern: str, *, ignore_case: bool) -> re.Pattern[str]:
    parts = (".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


@lru_cache(maxsize=4096)
def _arn_glob(pattern: str) -> re.Pattern[str]:
    segments = pattern.split(":", _ARN_SEGMENTS - 1)
    regex: list[str] = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        for position, ch in enumerate(segment):
            if ch == "*":
                regex.append(".*" if last or position == len(segment) - 1 else "[^:]*")
            elif ch == "?":
                regex.append("." if last else "[^:]")
            else:
                regex.append(re.escape(ch))
        if not last:
            regex.append(":")
    return re.compile("".join(regex), re.DOTALL)


def action_matches(pattern: str, action: str) -> bool:
    return pattern == "*" or _glob(pattern, ignore_case=True).fullmatch(action) is not None


def arn_matches(pattern: str, arn: str) -> bool:
    """A Resource element (or ArnLike's value) against an ARN; `*` alone matches any resource."""
    if pattern == "*":
        return True
    if not pattern.startswith("arn:"):
        return _glob(pattern, ignore_case=False).fullmatch(arn) is not None
    return _arn_glob(pattern).fullmatch(arn) is not None


def like(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """StringLike: `*` any characters, `?` one, case sensitive."""
    return _glob(pattern, ignore_case=ignore_case).fullmatch(value) is not None

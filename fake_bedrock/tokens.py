"""A deterministic stand-in tokenizer: about one token per short word or punctuation mark.

Real tokenizers average ~4 characters of English per token; so does this one, closely enough for `usage`
and for `maxTokens` truncation to behave like a real model's.
"""

from __future__ import annotations

import functools
import re

# A token is optional leading whitespace, then up to six word characters or one other character,
# so joining any prefix of the tokens gives back a prefix of the text.
_TOKEN = re.compile(r"\s*(?:\w{1,6}|[^\w\s])|\s+", re.UNICODE)


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text)


_COUNTED = re.compile(r"\w{1,6}|[^\w\s]", re.UNICODE)  # the same tokens, without their whitespace


@functools.lru_cache(maxsize=1024)  # system prompts and tool specs repeat on every call
def count(text: str) -> int:
    return len(_COUNTED.findall(text))


def truncate(text: str, max_tokens: int) -> tuple[str, bool]:
    """The longest prefix of `text` within `max_tokens` tokens, and whether anything was cut."""
    kept: list[str] = []
    used = 0
    for piece in tokenize(text):
        if not piece.isspace():
            if used == max_tokens:
                return "".join(kept).rstrip(), True
            used += 1
        kept.append(piece)
    return text, False

"""The models' Java patterns, matched as Java matches them, or left unchecked where no faithful translation
exists."""

from __future__ import annotations

import pytest

from ticketflow_parity.java_regex import compiled


@pytest.mark.parametrize(
    ("pattern", "matches", "does_not_match"),
    [
        (r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*", "Ünïcode tag: a=1", "semi;colon"),
        (r"\p{ASCII}*", "plain", "é"),
        (r"[\P{C}\n]*", "line\nnext", "\x07"),
        (r"\x{1F600}", "\U0001f600", "x"),
        # Java reads an escaped surrogate pair as the one character it encodes.
        (r"[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\r\n\t]*", "emoji \U0001f600 ok", "\x00"),
        (r".*", "one line", "two\rlines"),  # Java's dot excludes every line terminator
        (r"\d+", "123", "١٢٣"),  # Java's \d is ASCII
        (r"\Qa.b\E", "a.b", "axb"),
        (r"[a-z]+\z", "abc", "abc\n"),
    ],
)
def test_a_translated_pattern_matches_as_java_does(pattern: str, matches: str, does_not_match: str) -> None:
    # GIVEN a model pattern / WHEN translated / THEN it matches whole values as Java's matches() would
    regex = compiled(pattern)
    assert regex is not None
    assert regex.fullmatch(matches)
    assert not regex.fullmatch(does_not_match)


@pytest.mark.parametrize("pattern", [r"[\p{Print}&&[^|:/]]+", r"[a-z[0-9]]+", r"\h+", r"\p{InGreek}"])
def test_a_construct_without_a_faithful_translation_leaves_the_pattern_unchecked(pattern: str) -> None:
    # GIVEN class intersection, nesting, \h, or an unknown property / WHEN translated / THEN none: unchecked
    assert compiled(pattern) is None

"""Stored text made inert where it is shown: a terminal, a log line, a picture.

The ticket model cleans control characters at intake (`ticketflow.text`), but what a display shows also
comes from elsewhere: items stored before that, log lines, dead-lettered records, services' messages. So
every display passes its text through here, whatever its origin:
- `visible` writes each control character (but newline and tab), each bidirectional formatting character
  that reorders text (U+202A-U+202E, U+2066-U+2069) and each invisible one (zero-width space, word joiner,
  the invisible operators, the byte order mark, the tag characters that can smuggle text past a reader)
  as its code, `\\x1b` or `\\u202e`: nothing moves the cursor, reorders the line or hides from the reader.
  Zero-width joiners and non-joiners stay: emoji sequences and several scripts need them.
- `inert` is that text as a Rich `Text`: never parsed for markup (`[bold]`, `[link=...]`) nor for emoji
  codes (`:fire:`), as a plain string would be. The CLI prints customer text only through it.

The console's page does the same in its script (static/common.js, `shown`), with the same codes.
"""

from __future__ import annotations

import re
from typing import Final

from rich.text import Text

from ticketflow.text import CONTROL_CHARACTERS

BIDI_CONTROLS: Final = "\u202a-\u202e\u2066-\u2069"
INVISIBLE: Final = "\u200b\u2060-\u2064\ufeff\U000e0000-\U000e007f"
_HIDDEN = re.compile(f"[{CONTROL_CHARACTERS}{BIDI_CONTROLS}{INVISIBLE}]")


def _code(match: re.Match[str]) -> str:
    point = ord(match[0])
    if point < 0x100:
        return f"\\x{point:02x}"
    return f"\\u{point:04x}" if point < 0x10000 else f"\\U{point:08x}"


def visible(text: str) -> str:
    """`text` with every character that could act on a terminal or mislead a reader written as its code."""
    return _HIDDEN.sub(_code, text)


def inert(value: object, style: str = "") -> Text:
    """`value` as text a Rich console prints as it is: codes visible, no markup, no emoji, in `style`."""
    return Text(visible(str(value)), style=style)

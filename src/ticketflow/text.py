"""Customer text at intake: control characters out before anything stores the text or a model reads it.

A ticket's text is shown later on terminals, in log viewers and on pages, where ESC (and its one-byte C1
forms, such as U+009B for ESC [) starts a live control sequence: clear the screen, blink, set the window
title, write the clipboard (OSC 52). So every text field loses its control characters here, in the model:
- a whole escape sequence (CSI, OSC, DCS and the other strings, two- and three-character escapes) goes at
  once, so that a pasted coloured log keeps its words and loses its codes;
- every other C0 control, DEL and every C1 control goes too, except newline and tab;
- a carriage return becomes a newline (CRLF one newline): alone, it would move the cursor back over what
  the line already showed, so that later text overwrites it.
Everything else is kept as sent (markup, HTML, right-to-left text and bidirectional formatting characters):
the places that show text make it inert (`ticketflow_dev.core.safe_text`, the console's page).
"""

from __future__ import annotations

import re
from typing import Final

# C0 but tab (09) and newline (0A); DEL; C1 (80-9F). Carriage returns (0D) are turned into newlines first.
CONTROL_CHARACTERS: Final = "\x00-\x08\x0b-\x1f\x7f-\x9f"
_STRING_END = r"(?:\x07|\x1b\\|\x9c)"  # BEL, ESC \ or ST ends an OSC, DCS, SOS, PM or APC string
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]"  # CSI: parameters, intermediates, final byte
    rf"|(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f])[^\x07\x1b\x9c]*{_STRING_END}"  # a control string
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]"  # ESC 7, ESC c, ESC ( B ...: two- and three-character escapes
)
_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")
_CARRIAGE_RETURN = re.compile(r"\r\n?")


def clean(text: str) -> str:
    """`text` without escape sequences and control characters; newlines and tabs kept, CR a newline."""
    return _CONTROL.sub("", _SEQUENCE.sub("", _CARRIAGE_RETURN.sub("\n", text)))


def clean_value(value: object) -> object:
    """`clean` for a field's raw input when it is text; anything else is left to the field's own type."""
    return clean(value) if isinstance(value, str) else value

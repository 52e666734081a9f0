"""What a terminal receives: Rich output rendered as for a colour terminal, and the codes in it that act.

Rich's own colours (SGR, `ESC [ ... m`) are expected; anything else that starts a control sequence or moves
the cursor, and any character that reorders or hides text, is a live code that came from the data.
"""

from __future__ import annotations

import io
import re

from rich.console import Console, RenderableType

SGR = re.compile(r"\x1b\[[0-9;]*m")
# What may not reach a reader as it is: C0 but tab and newline, DEL, C1; the bidi embeddings, overrides and
# isolates; invisible characters. A page's text is checked against it too.
HIDDEN = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b\u2060-\u2064\ufeff\U000e0000-\U000e007f]"
)


def terminal_console(width: int = 1000) -> tuple[Console, io.StringIO]:
    """A console that writes to a string as to a true-colour terminal `width` columns wide."""
    screen = io.StringIO()
    return Console(file=screen, force_terminal=True, color_system="truecolor", width=width), screen


def on_terminal(*renderables: RenderableType, width: int = 1000) -> str:
    console, screen = terminal_console(width)
    for renderable in renderables:
        console.print(renderable)
    return screen.getvalue()


def live_codes(output: str) -> list[str]:
    """The codes in `output` that would act on a terminal or hide from its reader, beyond Rich's colours."""
    return HIDDEN.findall(SGR.sub("", output))


def plain(output: str) -> str:
    """`output` as the reader sees its characters: Rich's colours removed."""
    return SGR.sub("", output)

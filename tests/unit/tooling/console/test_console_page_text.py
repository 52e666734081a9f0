"""The console's page scripts never turn stored text into markup, and show hidden characters by the same codes
as the terminal (static/common.js `shown`, against ticketflow_dev.core.safe_text). The page itself, in a
browser, is tests/e2e/test_console.py's."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from importlib import resources

import pytest

from tests.event_files import load_hostile_tickets
from ticketflow_dev.core.safe_text import visible

STATIC = resources.files("ticketflow_dev.console") / "static"
SCRIPTS = {
    entry.name: entry.read_text(encoding="utf-8") for entry in STATIC.iterdir() if entry.name.endswith(".js")
}
# What parses a string as HTML or runs it as code.
HTML_SINKS = re.compile(
    r"\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write|\beval\(|new Function\("
    r"|createContextualFragment"
)


def test_no_page_script_parses_text_as_html_or_code() -> None:
    # GIVEN the page's scripts; WHEN they are read; THEN none uses a sink that would parse stored text
    assert SCRIPTS, "no script found in the console's static folder"
    found = {name: HTML_SINKS.findall(source) for name, source in SCRIPTS.items()}
    assert not any(found.values()), found


def test_every_text_a_script_sets_goes_through_shown() -> None:
    # GIVEN the page's scripts; WHEN their direct text assignments are read
    assignments = re.findall(r"(?:textContent|document\.title)\s*=\s*([^;]+);", "\n".join(SCRIPTS.values()))

    # THEN each is a fixed text of the page, a template of the page's own values, or passes through shown()
    assert assignments
    for value in assignments:
        assert value.strip().startswith("shown(") or _page_values_only(value), value


# The values a page's own line may interpolate: counts, times and a word of its own, never a stored text.
PAGE_VALUES = re.compile(
    r"shortTime\(cost\.at\)|cost\.\w+|Math\.round\(cost\.seconds \* 1000\)|matching\.length"
    r"|latest\.recent\.length|queue\.(visible|in_flight)|what"
)


def _page_values_only(value: str) -> bool:
    """A string constant, or a template whose every `${...}` is one of PAGE_VALUES."""
    return all(PAGE_VALUES.fullmatch(part) for part in re.findall(r"\$\{([^}]*)\}", value))


@pytest.mark.skipif(shutil.which("node") is None, reason="no node on PATH (make install needs it)")
def test_the_page_shows_hidden_characters_by_the_terminals_codes() -> None:
    # GIVEN every hostile case's text, and common.js's shown() run by node
    cases = load_hostile_tickets(lambda: "TKT-20250115-0042")
    source = SCRIPTS["common.js"]
    shown_function = source[source.index("const HIDDEN") : source.index("// Text only ever")]
    program = shown_function + "process.stdout.write(JSON.stringify(JSON.parse(process.argv[1]).map(shown)));"
    texts = [case.text for case in cases]

    # WHEN the page's function shows each
    result = subprocess.run(
        ["node", "-e", program, json.dumps(texts)], capture_output=True, text=True, check=True, timeout=30
    )

    # THEN it shows exactly what the terminal shows, and what each case says
    page = json.loads(result.stdout)
    assert page == [visible(text) for text in texts] == [case.shown for case in cases]

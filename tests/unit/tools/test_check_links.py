"""tools/check_links.py, `make check`'s documentation check: links, anchors, paths and modules resolve."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.check_links import anchors, check_page, slug

PAGE = """# The page

## Crashes, stops and snapshots
## Generated tickets: `ticketflow generate`
## Known limits of the local emulator (MiniStack 1.5.33)
## Notes
## Notes

See [the other page](other.md), [its section](other.md#a-section), [here](#notes-1) and
[the web](https://example.com/x#y).

Broken: [gone](missing.md), [no such section](other.md#nowhere), [nor here](#nothing).

Paths: `src/pkg_tool/real.py`, `tests/unit/`, `requirements/*.txt`, `src/pkg_tool/gone.py`,
`lambdas/<name>/`, `.ticketflow/logs/`, `not/a/top/folder.py`.

Modules: `ticketflow_dev.core.polling.wait_until`, `ticketflow_dev.core.polling.sleepy`,
`ticketflow_dev.nothing`, `ticketflow_dev.core` and `ticketflow_dev.core.Clients`.

```sh
[inside a fence](fenced.md) `src/fenced/path.py`
```
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with a docs folder, a few source files and a tooling package."""
    folders = ("docs", "src/pkg_tool", "tests/unit", "requirements", "lambdas", "src/ticketflow_dev/core")
    for folder in folders:
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "src/pkg_tool/real.py").write_text("")
    (tmp_path / "requirements/dev.txt").write_text("")
    (tmp_path / "src/ticketflow_dev/__init__.py").write_text("")
    (tmp_path / "src/ticketflow_dev/core/__init__.py").write_text("from x import Clients\n")
    (tmp_path / "src/ticketflow_dev/core/polling.py").write_text("def wait_until(): ...\n")
    (tmp_path / "docs/other.md").write_text("# Other\n\n## A section\n")
    return tmp_path


def test_a_heading_has_githubs_anchor() -> None:
    # GIVEN headings with code, punctuation and a version
    # WHEN their anchors are made
    # THEN they are GitHub's: lower case, punctuation dropped, spaces to hyphens, underscores kept
    assert slug("Crashes, stops and snapshots") == "crashes-stops-and-snapshots"
    assert slug("Generated tickets: `ticketflow generate`") == "generated-tickets-ticketflow-generate"
    assert slug("Known limits of the local emulator (MiniStack 1.5.33)") == (
        "known-limits-of-the-local-emulator-ministack-1533"
    )
    assert slug("A real model behind fake_bedrock (optional)") == "a-real-model-behind-fake_bedrock-optional"
    assert slug("One ticket's journey: [submit](x.md)") == "one-tickets-journey-submit"


def test_a_repeated_heading_gets_a_numbered_anchor_and_fences_hold_no_headings() -> None:
    # GIVEN a page with a heading twice, an explicit anchor and a heading inside a code fence
    text = '## Notes\n## Notes\n<a id="kept"></a>\n```\n## not a heading\n```\n'

    # WHEN its anchors are listed
    # THEN the second gets -1, the explicit one is there, the fenced one is not
    assert anchors(text) == {"notes", "notes-1", "kept"}


def test_every_broken_reference_is_named_with_its_line_and_nothing_else(repo: Path) -> None:
    # GIVEN a page with good and broken links, paths and modules
    page = repo / "docs" / "page.md"
    page.write_text(PAGE)

    # WHEN it is checked
    problems = check_page(page, repo)

    # THEN exactly the broken ones are reported, each with its line; fences, placeholders, the runtime
    # folder, paths outside the repository's folders and external links are left alone
    messages = [(problem.line, problem.message) for problem in problems]
    assert messages == [
        (12, "link to missing.md: missing.md does not exist"),
        (12, "link to other.md#nowhere: no heading in docs/other.md has the anchor #nowhere"),
        (12, "link to #nothing: no heading in docs/page.md has the anchor #nothing"),
        (14, "`src/pkg_tool/gone.py`: no such file or folder"),
        (17, "`ticketflow_dev.core.polling.sleepy`: ticketflow_dev.core.polling defines no sleepy"),
        (18, "`ticketflow_dev.nothing`: no module ticketflow_dev.nothing"),
    ]

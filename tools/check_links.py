"""Check the documentation's links: README.md and docs/*.md (`make check` runs it).

Each relative link must name a file that exists and, with `#anchor`, a heading (or `<a id>`) in it, by
GitHub's rule for heading anchors. A backticked repository path (`src/ticketflow/model.py`, `tests/e2e/`,
globs allowed) must exist, and a backticked module of the project's packages
(`ticketflow_dev.core.polling.wait_until`) must be importable by that name, its last part a submodule or a
name the module defines. Links and spans inside fenced code blocks are not checked; neither are paths with a
placeholder (`lambdas/<name>/`) nor anything under the runtime folder (`.ticketflow/`).

    python tools/check_links.py [FILE.md ...]     # default: README.md and docs/**/*.md
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ticketflow_infra.paths import REPO_ROOT as ROOT

# Where each top-level package's source lives (the import roots of pyproject.toml's mypy_path).
PACKAGE_ROOTS = {
    "ticketflow": "src",
    "ticketflow_dev": "src",
    "ticketflow_parity": "src",
    "ticketflow_infra": "infra",
    "ticketflow_etl": "glue",
    "fake_bedrock": ".",
}
_FENCE = re.compile(r"^\s*(```|~~~)")
_LINK = re.compile(r"(?<!\\)\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_HTML_ANCHOR = re.compile(r"<a\s+(?:id|name)=\"([^\"]+)\"")
_MODULE = re.compile(r"^(" + "|".join(sorted(PACKAGE_ROOTS, key=len, reverse=True)) + r")((?:\.\w+)+)")
_PLACEHOLDER = re.compile(r"[<>{}…]|\.\.\.")


@dataclass(frozen=True)
class Problem:
    file: Path
    line: int
    message: str

    def __str__(self) -> str:
        shown = self.file.relative_to(ROOT) if self.file.is_relative_to(ROOT) else self.file
        return f"{shown}:{self.line}: {self.message}"


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, markup and punctuation dropped, spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = text.replace("`", "").lower()
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN")
    return kept.replace(" ", "-")


def _prose_lines(text: str) -> Iterator[tuple[int, str]]:
    """Each line outside fenced code blocks, numbered from 1."""
    fenced = False
    for number, line in enumerate(text.splitlines(), start=1):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield number, line


def anchors(text: str) -> set[str]:
    """Every anchor a page offers: its headings' (a repeated one gets -1, -2, ...) and explicit `<a id>`s."""
    found: set[str] = set()
    seen: dict[str, int] = {}
    for _, line in _prose_lines(text):
        found.update(_HTML_ANCHOR.findall(line))
        heading = _HEADING.match(line)
        if heading is None:
            continue
        base = slug(heading[2])
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def _check_link(page: Path, target: str, root: Path) -> str | None:
    path_part, _, anchor = target.partition("#")
    destination = (page.parent / path_part).resolve() if path_part else page
    if re.match(r"^[a-z][a-z0-9+.-]*:", target):
        return None  # http:, https:, mailto:
    if not destination.exists():
        return f"link to {target}: {path_part} does not exist"
    if not anchor:
        return None
    if destination.suffix != ".md":
        return f"link to {target}: only Markdown pages have anchors"
    if anchor not in anchors(destination.read_text(encoding="utf-8")):
        shown = destination.relative_to(root) if destination.is_relative_to(root) else destination
        return f"link to {target}: no heading in {shown} has the anchor #{anchor}"
    return None


def _top_level_folders(root: Path) -> set[str]:
    return {p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")} | {".ci"}


def _check_path(span: str, root: Path, folders: set[str]) -> str | None:
    first = span.split("/", maxsplit=1)[0]
    if " " in span or "/" not in span or _PLACEHOLDER.search(span) or first not in folders:
        return None
    candidate = span.split(":", maxsplit=1)[0]  # `file.py:function`
    if any(c in candidate for c in "*?["):
        return None if any(root.glob(candidate)) else f"`{span}`: no file matches"
    return None if (root / candidate).exists() else f"`{span}`: no such file or folder"


def _defines(module_file: Path, name: str) -> bool:
    source = module_file.read_text(encoding="utf-8")
    pattern = rf"^(?:\s*(?:async\s+)?def|\s*class)\s+{name}\b|^{name}\s*[:=]|\bimport\b.*\b{name}\b"
    return re.search(pattern, source, re.MULTILINE) is not None


def _check_module(span: str, root: Path) -> str | None:
    match = _MODULE.match(span)
    if match is None:
        return None
    parts = [match[1], *match[2].strip(".").split(".")]
    folder = root / PACKAGE_ROOTS[parts[0]] / parts[0]
    for index, part in enumerate(parts[1:], start=1):
        if (folder / part).is_dir():
            folder = folder / part
            continue
        module = folder / f"{part}.py"
        if module.is_file():
            rest = parts[index + 1 :]
            if rest and not _defines(module, rest[0]):
                return f"`{span}`: {'.'.join(parts[: index + 1])} defines no {rest[0]}"
            return None
        init = folder / "__init__.py"
        if init.is_file() and _defines(init, part):
            return None
        return f"`{span}`: no module {'.'.join(parts[: index + 1])}"
    return None


def check_page(page: Path, root: Path = ROOT) -> list[Problem]:
    folders = _top_level_folders(root)
    problems: list[Problem] = []
    for number, line in _prose_lines(page.read_text(encoding="utf-8")):
        prose = _CODE_SPAN.sub(" ", line)
        for target in _LINK.findall(prose):
            message = _check_link(page, target, root)
            if message:
                problems.append(Problem(page, number, message))
        for _, span in _CODE_SPAN.findall(line):
            message = _check_path(span.strip(), root, folders) or _check_module(span.strip(), root)
            if message:
                problems.append(Problem(page, number, message))
    return problems


def default_pages(root: Path = ROOT) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").rglob("*.md"))]


def check(pages: Iterable[Path], root: Path = ROOT) -> list[Problem]:
    return [problem for page in pages for problem in check_page(page.resolve(), root)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", type=Path, help="Markdown files (default: README.md, docs/)")
    args = parser.parse_args(argv)
    pages: list[Path] = args.pages or default_pages()
    missing = [page for page in pages if not page.is_file()]
    if missing:
        parser.error(f"no such page: {', '.join(map(str, missing))}")
    problems = check(pages)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} broken reference(s) in {len(pages)} page(s)")
        return 1
    print(f"links: {len(pages)} page(s), every link, anchor and path resolves")
    return 0


if __name__ == "__main__":
    sys.exit(main())

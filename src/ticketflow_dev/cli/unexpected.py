"""An error no command foresaw: one line saying what failed and what to do next, the whole traceback in a
file under `<home>/logs/` (or on stderr, with `--debug` or TICKETFLOW_DEBUG=1)."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from rich.markup import escape

from ticketflow_dev.cli.common import ExitStatus, err
from ticketflow_dev.core.safe_text import visible
from ticketflow_infra.settings import Settings

DEBUG_VARIABLE = "TICKETFLOW_DEBUG"
_FIRST_LINE_MAX = 200


def command_path(root: object, argv: Sequence[str]) -> list[str]:
    """The command's words in `argv` (`faults set` of `--debug faults set dynamodb ...`), walking the
    command tree from `root` (a group's subcommands are its `commands`)."""
    words: list[str] = []
    node = root
    for arg in argv:
        if arg.startswith("-"):
            continue
        commands = getattr(node, "commands", None)
        if not isinstance(commands, dict) or arg not in commands:
            break
        words.append(arg)
        node = commands[arg]
    return words


def logs_folder() -> Path:
    """`<home>/logs`, from the settings; when the settings are what failed, from TICKETFLOW_HOME alone."""
    try:
        home = Settings.load().home
    except Exception:  # noqa: BLE001 -- any failure here is the error being reported, or one like it
        home = Path(os.environ.get("TICKETFLOW_HOME") or ".ticketflow")
    return home.absolute() / "logs"


def _printable(text: str) -> str:
    """`text` on one line, its control and hidden characters written as codes (as every display writes
    them), so that an error quoting input stays inert."""
    cleaned = visible(" ".join(text.split()))
    return cleaned if len(cleaned) <= _FIRST_LINE_MAX else cleaned[: _FIRST_LINE_MAX - 1] + "…"


def write_traceback(error: BaseException, argv: Sequence[str], folder: Path, now: datetime) -> Path:
    """The traceback, with the command line and the time, in a new file of `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"error-{now:%Y%m%d-%H%M%S-%f}.log"
    lines = [
        f"ticketflow {' '.join(argv)}",
        f"at {now.isoformat()}, Python {sys.version.split()[0]}, in {Path.cwd()}",
        "",
        *traceback.format_exception(error),
    ]
    path.write_text("\n".join(line.rstrip("\n") for line in lines) + "\n", encoding="utf-8")
    return path


def report(error: BaseException, root: object, argv: Sequence[str], *, debug: bool) -> ExitStatus:
    """Tell the user about `error` and return the exit status for it."""
    command = " ".join(["ticketflow", *command_path(root, argv)])
    what = _printable(f"{type(error).__name__}: {error}")
    if debug:
        err.print("".join(traceback.format_exception(error)), markup=False, highlight=False, end="")
        err.print(f"[red]error:[/red] {escape(command)} failed unexpectedly ({escape(what)})")
        return ExitStatus.UNEXPECTED
    try:
        path = write_traceback(error, argv, logs_folder(), datetime.now(UTC))
    except OSError as unwritable:
        err.print("".join(traceback.format_exception(error)), markup=False, highlight=False, end="")
        where = f"could not be written ({_printable(str(unwritable))}), so it is above"
    else:
        where = f"is in {path}"
    err.print(
        f"[red]error:[/red] {escape(command)} failed unexpectedly ({escape(what)}). The traceback"
        f" {escape(where)}; run it again with --debug (or {DEBUG_VARIABLE}=1) to see it here, and"
        " report it with that file if it recurs."
    )
    return ExitStatus.UNEXPECTED

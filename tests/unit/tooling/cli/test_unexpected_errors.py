"""An error no command foresaw, in any command: one line on stderr (what failed, what to do next), the
whole traceback in a file under <home>/logs/, a non-zero exit; `--debug` or TICKETFLOW_DEBUG=1 shows it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
import typer

from tests.event_files import EVENTS_DIR, TICKET_SUBMITTED
from ticketflow_dev.cli import app as cli_app
from ticketflow_dev.cli.common import ExitStatus
from ticketflow_dev.cli.unexpected import command_path
from ticketflow_infra.settings import Settings

SETTINGS = "ticketflow_infra.settings.Settings.load"
# Each command, with the arguments that take it past its own checks to the first function it calls that is
# patched to fail (the settings, for all but `generate`, which needs none).
COMMANDS: dict[str, tuple[list[str], str]] = {
    "doctor": ([], SETTINGS),
    "up": ([], SETTINGS),
    "down": ([], SETTINGS),
    "status": ([], SETTINGS),
    "reset": ([], SETTINGS),
    "deploy": ([], SETTINGS),
    "destroy": ([], SETTINGS),
    "push": ([], SETTINGS),
    "synth": ([], SETTINGS),
    "env": ([], SETTINGS),
    "demo": ([], SETTINGS),
    "generate": (["--count", "1"], "ticketflow_dev.cli.generate.generate"),
    "eval": (["--labelled", "{labelled}"], SETTINGS),
    "etl": ([], SETTINGS),
    "bench": ([], SETTINGS),
    "submit": (["{ticket}"], SETTINGS),
    "trace": (["TKT-20250115-0042"], SETTINGS),
    "logs": ([], SETTINGS),
    "console": (["--no-open"], SETTINGS),
    "tickets show": (["TKT-20250115-0042"], SETTINGS),
    "tickets list": (["--status", "FAILED"], SETTINGS),
    "tickets reconcile": ([], SETTINGS),
    "snapshot save": (["before"], SETTINGS),
    "snapshot load": (["before"], SETTINGS),
    "snapshot list": ([], SETTINGS),
    "snapshot delete": (["before"], SETTINGS),
    "dlq list": ([], SETTINGS),
    "dlq replay": (["--all"], SETTINGS),
    "faults set": (["--op", "converse", "--error-rate", "0.5"], SETTINGS),
    "faults list": ([], SETTINGS),
    "faults clear": ([], SETTINGS),
    "faults show": ([], SETTINGS),
}


def _leaves(node: object, prefix: tuple[str, ...] = ()) -> Iterator[str]:
    commands = getattr(node, "commands", None)
    if not isinstance(commands, dict):
        yield " ".join(prefix)
        return
    for name, child in commands.items():
        yield from _leaves(child, (*prefix, name))


class InjectedError(RuntimeError):
    pass


def _raise(*_args: object, **_kwargs: object) -> NoReturn:
    raise InjectedError("injected\x1b[2J failure")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "home"
    monkeypatch.setenv("TICKETFLOW_HOME", str(folder))
    monkeypatch.delenv("TICKETFLOW_DEBUG", raising=False)
    yield folder
    cli_app._Run.debug = False  # the root option's value lives for the process


def _main(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> int:
    monkeypatch.setattr(sys, "argv", ["ticketflow", *argv])
    with pytest.raises(SystemExit) as ended:
        cli_app.main()
    return int(ended.value.code or 0)


def _argv(command: str, tmp_path: Path) -> list[str]:
    args, _ = COMMANDS[command]
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text("{}\n")
    values = {"labelled": str(labelled), "ticket": str(EVENTS_DIR / TICKET_SUBMITTED)}
    return [*command.split(), *(arg.format(**values) for arg in args)]


def test_every_command_has_a_case() -> None:
    # GIVEN the command tree / WHEN its leaves are listed / THEN each has a case below, and no case is stale
    assert sorted(_leaves(typer.main.get_command(cli_app.app))) == sorted(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_unexpected_error_is_one_line_and_a_log_file(
    command: str,
    home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN the first function the command calls fails in a way nobody foresaw
    monkeypatch.setattr(COMMANDS[command][1], _raise)

    # WHEN the command runs as `ticketflow` runs it
    status = _main(monkeypatch, _argv(command, tmp_path))

    # THEN it exits with the unexpected status, and says in one line what failed and what to do next, with
    # the control character of the message made inert
    captured = capsys.readouterr()
    assert status == ExitStatus.UNEXPECTED
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1, captured.err
    assert f"ticketflow {command} failed unexpectedly (InjectedError: injected\\x1b[2J failure)" in lines[0]
    assert "--debug" in lines[0]
    assert "\x1b" not in captured.err
    # AND the whole traceback is in the one file the line names, under <home>/logs
    logs = list((home / "logs").glob("error-*.log"))
    assert len(logs) == 1
    assert str(logs[0]) in lines[0]
    written = logs[0].read_text(encoding="utf-8")
    assert written.startswith(f"ticketflow {' '.join(_argv(command, tmp_path))}\n")
    assert "Traceback (most recent call last)" in written
    assert "in _raise" in written


@pytest.mark.parametrize("how", ["--debug", "TICKETFLOW_DEBUG=1"])
def test_debug_shows_the_traceback_instead(
    how: str, home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a failing command, asked for with --debug or the environment variable
    monkeypatch.setattr(SETTINGS, _raise)
    if how.startswith("TICKETFLOW_DEBUG"):
        monkeypatch.setenv("TICKETFLOW_DEBUG", "1")
    argv = ["--debug", "status"] if how == "--debug" else ["status"]

    # WHEN it runs
    status = _main(monkeypatch, argv)

    # THEN the traceback is on stderr, followed by the line; no file is written
    err = capsys.readouterr().err
    assert status == ExitStatus.UNEXPECTED
    assert "Traceback (most recent call last)" in err
    assert err.rstrip().splitlines()[-1].startswith("error: ticketflow status failed unexpectedly")
    assert not (home / "logs").exists()


def test_a_log_folder_that_cannot_be_written_shows_the_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a home that is a file, so that no logs folder can be made in it
    blocked = tmp_path / "home"
    blocked.write_text("not a folder")
    monkeypatch.setenv("TICKETFLOW_HOME", str(blocked))
    monkeypatch.setattr("ticketflow_dev.cli.generate.generate", _raise)

    # WHEN a command fails unexpectedly
    status = _main(monkeypatch, ["generate", "--count", "1"])

    # THEN the traceback is on stderr, and the line says why it is there
    err = capsys.readouterr().err
    assert status == ExitStatus.UNEXPECTED
    assert "Traceback (most recent call last)" in err
    assert "could not be written" in err


def test_a_foreseen_failure_and_a_bad_setting_keep_their_status(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a setting that cannot be taken / WHEN any command reads it
    monkeypatch.setenv("TICKETFLOW_EMULATOR_PORT", "not-a-port")
    status = _main(monkeypatch, ["status"])

    # THEN it says so in one line and exits with the usage status; nothing is logged as unexpected
    err = capsys.readouterr().err
    assert status == ExitStatus.USAGE
    assert err.startswith("error: TICKETFLOW_EMULATOR_PORT='not-a-port'")
    assert not (home / "logs").exists()


def test_the_command_words_skip_options_and_stop_at_arguments() -> None:
    # GIVEN the command tree / WHEN argv with options and arguments is read / THEN only the command's words
    root = typer.main.get_command(cli_app.app)
    assert command_path(root, ["--debug", "faults", "set", "dynamodb:PutItem", "throttle"]) == [
        "faults",
        "set",
    ]
    assert command_path(root, ["trace", "TKT-1", "--json"]) == ["trace"]
    assert command_path(root, ["nonsense"]) == []


def test_the_settings_home_is_used_when_the_settings_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN settings that load (the home comes from them), and a command failing past them
    monkeypatch.setenv("TICKETFLOW_HOME", str(tmp_path / "settings-home"))
    monkeypatch.setattr("ticketflow_dev.cli.generate.generate", _raise)
    assert Settings.load().home == tmp_path / "settings-home"

    # WHEN it fails / THEN its traceback is under that home
    _main(monkeypatch, ["generate", "--count", "1"])
    assert len(list((tmp_path / "settings-home" / "logs").glob("error-*.log"))) == 1
    capsys.readouterr()

"""Runs an install command (pip or npm) and shows its progress: one line per package, the elapsed time.

On a terminal one status line is rewritten in place; elsewhere (CI logs) each package is a plain line. The
command's whole output goes to a log, and its tail is printed when it fails. Standard library only: it runs
before any virtualenv exists.

    python tools/install_progress.py --what "the project venv" --expect "2-4 min" --total 93 \\
        --log .ticketflow/logs/install-venv.log -- .venv/bin/python -m pip install -r requirements/dev.txt
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from collections import deque
from pathlib import Path

_COLLECTING = re.compile(r"^Collecting (\S+)")
_DOWNLOADING = re.compile(r"^\s*Downloading \S+ \(([^)]+)\)")
_INSTALLING = re.compile(r"^Installing collected packages")


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--what", required=True, help="what is being installed, for the first line")
    parser.add_argument("--expect", default="", help="roughly how long a first install takes")
    parser.add_argument("--total", type=int, default=0, help="how many packages to expect")
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    arguments = parser.parse_args(argv)
    if arguments.command[:1] == ["--"]:
        arguments.command = arguments.command[1:]
    if not arguments.command:
        parser.error("no command to run after --")
    return arguments


class Progress:
    def __init__(self, total: int, *, terminal: bool) -> None:
        self.total = total
        self.count = 0
        self.terminal = terminal
        self.started = time.monotonic()

    def show(self, text: str) -> None:
        line = f"  [{time.monotonic() - self.started:4.0f} s] {text}"
        if self.terminal:
            sys.stdout.write(f"\r\x1b[K{line[:110]}")
        else:
            sys.stdout.write(f"{line}\n")
        sys.stdout.flush()

    def feed(self, line: str) -> None:
        if match := _COLLECTING.match(line):
            self.count += 1
            of = f"/{self.total}" if self.total else ""
            self.show(f"{self.count}{of} {match[1]}")
        elif (match := _DOWNLOADING.match(line)) and not self.terminal:
            self.show(f"    downloading {match[1]}")
        elif _INSTALLING.match(line):
            self.show("installing the collected packages (the longest step on a first install)")

    def finish(self) -> float:
        if self.terminal:
            sys.stdout.write("\r\x1b[K")
        return time.monotonic() - self.started


def main(argv: list[str]) -> int:
    arguments = _arguments(argv)
    terminal = sys.stdout.isatty()
    expect = f" (a first install takes ~{arguments.expect})" if arguments.expect else ""
    print(f"==> installing {arguments.what}{expect}; log: {arguments.log}", flush=True)
    arguments.log.parent.mkdir(parents=True, exist_ok=True)
    progress = Progress(arguments.total, terminal=terminal)
    tail: deque[str] = deque(maxlen=30)
    with (
        arguments.log.open("w", encoding="utf-8") as log,
        subprocess.Popen(
            arguments.command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
        ) as process,
    ):
        assert process.stdout is not None
        for line in process.stdout:
            log.write(line)
            tail.append(line.rstrip())
            progress.feed(line)
    elapsed = progress.finish()
    if process.returncode != 0:
        print(f"==> installing {arguments.what} failed after {elapsed:.0f} s; the end of {arguments.log}:")
        print("\n".join(tail))
        return process.returncode
    print(f"==> {arguments.what}: done in {elapsed:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The AWS checks in the emulator's functions: `ticketflow_parity` alone on their path, and switched on.

MiniStack runs each Python function as a worker of its own interpreter with its own environment, which the
workers inherit. A copy of the package in a folder of its own, named by PYTHONPATH, is all of this repository
that a function can import beside its own asset (the pipeline's `ticketflow` comes with its layer).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import ticketflow_parity
from ticketflow_dev.core.aws_checks import aws_checks_on
from ticketflow_dev.local.service import Layout
from ticketflow_infra.settings import Settings
from ticketflow_parity import plugin_environment

PACKAGE = Path(ticketflow_parity.__file__).parent


def front_door_folder(layout: Layout) -> Path:
    return layout.home / "front-door"


def install_front_door(layout: Layout) -> Path:
    """A fresh copy of the package (its sources only) in its folder: the functions get the checks as they
    were when the emulator started, whatever is edited while it runs."""
    folder = front_door_folder(layout)
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(PACKAGE, folder / PACKAGE.name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return folder


def with_front_door(settings: Settings, layout: Layout, environ: dict[str, str]) -> dict[str, str]:
    """The emulator's environment with the checks on (the package's folder on the path, the plugin named)
    or off (neither), as the settings say; whatever the caller's own environment had."""
    on = aws_checks_on(settings)
    updated = plugin_environment(environ, on=on)
    if on:
        updated["PYTHONPATH"] = str(front_door_folder(layout))
    else:
        updated.pop("PYTHONPATH", None)
    return updated

"""The local profile's AWS checks (ticketflow_parity) switched on or off for a process and its children.

botocore loads the checks into every client it creates while `BOTOCORE_EXPERIMENTAL__PLUGINS` names them:
the CLI and the test session set it once from their settings, the emulator hands it to the functions.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

from ticketflow_infra.settings import Settings
from ticketflow_parity import PLUGIN_VARIABLE, plugin_environment


def aws_checks_on(settings: Settings) -> bool:
    """On in the local profile unless switched off; AWS checks its own requests."""
    return settings.profile == "local" and settings.aws_checks


def switch_aws_checks(settings: Settings, environ: MutableMapping[str, str] = os.environ) -> bool:
    """Put the checks into (or out of) `environ`'s plugin list, for every client created after; whether on."""
    on = aws_checks_on(settings)
    plugins = plugin_environment(environ, on=on).get(PLUGIN_VARIABLE)
    if plugins is None:
        environ.pop(PLUGIN_VARIABLE, None)
    else:
        environ[PLUGIN_VARIABLE] = plugins
    return on

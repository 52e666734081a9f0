"""The local stack's AWS front door: the botocore clients of the local stack (the functions in the emulator,
the CLI, the tests) check each request as AWS would before it leaves, and refuse it with AWS's own error.

It stands alone (the standard library and botocore only): it is loaded into the emulator's interpreter, where
nothing else of the project is importable, through botocore's client plugins (`PLUGIN_VARIABLE`).
"""

from __future__ import annotations

from collections.abc import Mapping

PLUGIN_VARIABLE = "BOTOCORE_EXPERIMENTAL__PLUGINS"
PLUGIN_NAME = "ticketflow_parity"
PLUGIN_SPEC = f"{PLUGIN_NAME}=ticketflow_parity.plugin"


def plugin_environment(environ: Mapping[str, str], *, on: bool) -> dict[str, str]:
    """`environ` with this plugin in botocore's plugin list (on) or out of it (off); other plugins stay.

    botocore reads the variable each time it creates a client, in this process and in every child."""
    others = [
        entry.strip()
        for entry in environ.get(PLUGIN_VARIABLE, "").split(",")
        if entry.strip() and entry.split("=", 1)[0].strip() != PLUGIN_NAME and entry.strip() != "DISABLED"
    ]
    plugins = [*others, PLUGIN_SPEC] if on else others
    updated = {key: value for key, value in environ.items() if key != PLUGIN_VARIABLE}
    if plugins:
        updated[PLUGIN_VARIABLE] = ",".join(plugins)
    return updated

"""The local stack's AWS front door: the botocore clients of the local stack (the functions in the emulator,
the CLI, the tests) check each request as AWS would before it leaves, and refuse it with AWS's own error.

It stands alone (the standard library and botocore only): it is loaded into the emulator's interpreter, where
nothing else of the project is importable, through botocore's client plugins (`PLUGIN_VARIABLE`).
"""

PLUGIN_VARIABLE = "BOTOCORE_EXPERIMENTAL__PLUGINS"
PLUGIN_SPEC = "ticketflow_parity=ticketflow_parity.plugin"

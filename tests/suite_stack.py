"""Which stack a test session runs on, so that `make test` never changes a developer's own tickets.

On the embedded target the suite runs a stack of its own by default (`TICKETFLOW_TEST_STACK=suite`): its home
is `<home>/test` and its ports are the configured ones plus `TICKETFLOW_TEST_PORT_OFFSET` (default 100), so it
runs beside the developer's stack. It is the suite's to reset: each session starts it on the young state
(ticketflow_dev.stack.young_state). `TICKETFLOW_TEST_STACK=current` runs the suite on the stack the settings
name, as it is (deployed if needed, never reset). On `external` and `containers` the suite always uses the
services it is given: they are never reset (a container session starts empty anyway).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ticketflow_infra.settings import Settings

TEST_STACK = "TICKETFLOW_TEST_STACK"
PORT_OFFSET = "TICKETFLOW_TEST_PORT_OFFSET"
SUITE, CURRENT = "suite", "current"
DEFAULT_OFFSET = 100
PORTS = ("emulator_port", "warehouse_port", "fake_bedrock_port", "fault_proxy_port")


class SuiteStackError(ValueError):
    pass


@dataclass(frozen=True)
class SuiteStack:
    settings: Settings
    owned: bool  # the suite's own: its emulator's state may be replaced by the young state

    def environment(self) -> dict[str, str]:
        """What every test's settings (and the commands a test runs) must read to find this stack."""
        if not self.owned:
            return {}
        ports = {f"TICKETFLOW_{port.upper()}": str(getattr(self.settings, port)) for port in PORTS}
        return {"TICKETFLOW_HOME": str(self.settings.home.absolute()), **ports}


def suite_stack(settings: Settings, environ: Mapping[str, str]) -> SuiteStack:
    choice = environ.get(TEST_STACK, SUITE)
    if choice not in (SUITE, CURRENT):
        raise SuiteStackError(f"{TEST_STACK}={choice!r}: use {SUITE} (the suite's own stack) or {CURRENT}")
    if settings.stack != "embedded" or choice == CURRENT:
        return SuiteStack(settings, owned=False)
    try:
        offset = int(environ.get(PORT_OFFSET, DEFAULT_OFFSET))
    except ValueError:
        raise SuiteStackError(f"{PORT_OFFSET} must be a whole number of ports") from None
    moved = {port: getattr(settings, port) + offset for port in PORTS}
    if offset == 0 or not all(0 < port <= 65535 for port in moved.values()):
        raise SuiteStackError(f"{PORT_OFFSET}={offset} gives no free range of ports beside the stack's own")
    return SuiteStack(settings.model_copy(update={"home": settings.home / "test", **moved}), owned=True)

"""The switch of the local profile's AWS checks for a process (the CLI, a test session) and its children."""

from __future__ import annotations

import pytest

from ticketflow_dev.core.aws_checks import switch_aws_checks
from ticketflow_infra.settings import Settings
from ticketflow_parity import PLUGIN_SPEC, PLUGIN_VARIABLE


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (Settings(), f"other=some.plugin,{PLUGIN_SPEC}"),
        (Settings(aws_checks=False), "other=some.plugin"),
        (Settings(profile="aws"), "other=some.plugin"),
    ],
    ids=["local", "switched-off", "aws-profile"],
)
def test_the_plugin_is_named_in_the_local_profile_only(settings: Settings, expected: str) -> None:
    # GIVEN an environment that already names the plugin and another one
    environ = {PLUGIN_VARIABLE: f"{PLUGIN_SPEC},other=some.plugin"}

    # WHEN the checks are switched for these settings
    on = switch_aws_checks(settings, environ)

    # THEN the other plugin stays, and ours is there once, last, only when on
    assert environ[PLUGIN_VARIABLE] == expected
    assert on is (expected.endswith(PLUGIN_SPEC))


def test_switching_off_the_only_plugin_removes_the_variable() -> None:
    # GIVEN an environment whose only plugin is ours / WHEN switched off / THEN botocore sees no variable
    environ = {PLUGIN_VARIABLE: PLUGIN_SPEC}
    switch_aws_checks(Settings(aws_checks=False), environ)
    assert PLUGIN_VARIABLE not in environ

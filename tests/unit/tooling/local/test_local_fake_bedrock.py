"""The supervisor's fake_bedrock service: its command line, read back by fake_bedrock's own parser."""

from __future__ import annotations

from pathlib import Path

import pytest

from fake_bedrock.__main__ import ADMIN_ENV_VAR, parse_args
from ticketflow_dev.local.fake_bedrock_service import FakeBedrockService, is_loopback
from ticketflow_infra.settings import Settings


def service(tmp_path: Path, **settings: object) -> FakeBedrockService:
    return FakeBedrockService(
        Settings.model_validate({"home": tmp_path / "home", **settings}),
        inherited_env={"PATH": "/usr/bin"},
        python="/opt/python3",
    )


def fake_bedrock_options(argv: list[str]) -> list[str]:
    """What follows `<python> -m fake_bedrock` in a launch's argv."""
    assert argv[1:3] == ["-m", "fake_bedrock"]
    return argv[3:]


def test_default_launch_serves_the_admin_endpoint_on_loopback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN default settings (bind host 127.0.0.1) and no FAKE_BEDROCK_ADMIN in the environment
    monkeypatch.delenv(ADMIN_ENV_VAR, raising=False)
    fake = service(tmp_path, fake_bedrock_port=4599)

    # WHEN its launch is computed and the options are parsed the way fake_bedrock parses them
    launch = fake.launch()
    options = parse_args(fake_bedrock_options(list(launch.argv)))

    # THEN fake_bedrock binds 127.0.0.1 on the configured port with the admin endpoint on
    assert launch.argv[0] == "/opt/python3"
    assert (options.host, options.port, options.admin) == ("127.0.0.1", 4599, True)
    assert launch.cwd == (tmp_path / "home").absolute()
    assert launch.cwd.is_dir()


def test_admin_is_forced_off_when_bound_beyond_loopback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a bind host reachable from other machines, and FAKE_BEDROCK_ADMIN=1 leaking from the shell
    monkeypatch.setenv(ADMIN_ENV_VAR, "1")
    fake = service(tmp_path, bind_host="0.0.0.0")

    # WHEN the launch's options are parsed
    options = parse_args(fake_bedrock_options(list(fake.launch().argv)))

    # THEN the admin endpoint stays off: an explicit --no-admin beats the environment
    assert options.host == "0.0.0.0"
    assert options.admin is False


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("192.168.1.20", False),
        ("::", False),
        ("example.internal", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    # GIVEN a bind host / WHEN it is classified / THEN only loopback names and addresses count
    assert is_loopback(host) is loopback

"""Settings: explicit arguments win over the environment, which wins over `.env`."""

from __future__ import annotations

from pathlib import Path

import pytest

from ticketflow_infra.settings import Settings, SettingsError


def test_defaults_without_any_source(tmp_path: Path) -> None:
    # GIVEN no environment and no .env file
    # WHEN settings are loaded
    settings = Settings.load(environ={}, dotenv=tmp_path / "missing.env")

    # THEN the local profile on the default ports
    assert settings.profile == "local"
    assert settings.region == "us-east-1"
    assert settings.emulator_url == "http://127.0.0.1:4566"
    assert settings.fake_bedrock_url == "http://127.0.0.1:4580"
    assert settings.warehouse_url == "postgresql://ticketflow@127.0.0.1:5439/warehouse"
    assert settings.ai_endpoint_url is None
    assert settings.function_concurrency is None
    assert settings.reports_dir == Path(".ticketflow") / "reports"


def test_environment_wins_over_dotenv_and_explicit_wins_over_both(tmp_path: Path) -> None:
    # GIVEN a .env, an environment and an explicit argument that disagree
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "TICKETFLOW_REGION=eu-west-1\nTICKETFLOW_EMULATOR_PORT=5000\nTICKETFLOW_STACK_NAME=FromFile\n"
    )
    environ = {"TICKETFLOW_EMULATOR_PORT": "6000", "TICKETFLOW_STACK_NAME": "FromEnv"}

    # WHEN settings are loaded with an explicit stack name
    settings = Settings.load(environ=environ, dotenv=dotenv, stack_name="Explicit")

    # THEN each value comes from the strongest source that has it
    assert settings.region == "eu-west-1"
    assert settings.emulator_port == 6000
    assert settings.stack_name == "Explicit"
    assert settings.emulator_url == "http://127.0.0.1:6000"


def test_explicit_none_does_not_override(tmp_path: Path) -> None:
    # GIVEN the profile in the environment and an explicit None (an unset CLI option / CDK context)
    environ = {"TICKETFLOW_PROFILE": "aws"}

    # WHEN settings are loaded
    settings = Settings.load(environ=environ, dotenv=tmp_path / "none.env", profile=None)

    # THEN the environment's value stands
    assert settings.profile == "aws"


def test_unrelated_and_unknown_variables_are_ignored(tmp_path: Path) -> None:
    # GIVEN variables without the prefix, and a prefixed one that is not a setting
    environ = {"REGION": "eu-west-1", "AWS_REGION": "eu-west-1", "TICKETFLOW_NOT_A_SETTING": "x"}

    # WHEN settings are loaded
    settings = Settings.load(environ=environ, dotenv=tmp_path / "none.env")

    # THEN nothing changed
    assert settings == Settings()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TICKETFLOW_PROFILE", "staging"),
        ("TICKETFLOW_EMULATOR_PORT", "70000"),
        ("TICKETFLOW_FUNCTION_CONCURRENCY", "0"),
        ("TICKETFLOW_STACK", "docker"),
    ],
)
def test_invalid_values_are_refused(tmp_path: Path, name: str, value: str) -> None:
    # GIVEN an environment with an out-of-range value
    environ = {name: value}

    # WHEN / THEN loading fails naming the variable and its value
    with pytest.raises(SettingsError, match=f"{name}={value!r}"):
        Settings.load(environ=environ, dotenv=tmp_path / "none.env")

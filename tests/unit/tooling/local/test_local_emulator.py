"""The emulator service: its scrubbed environment and the idempotent virtualenv stamp."""

from __future__ import annotations

from pathlib import Path

from ticketflow_dev.local import emulator as emulator_module
from ticketflow_dev.local.emulator import EmulatorService, emulator_environment
from ticketflow_dev.local.isolated_venv import requirements_hash, scrubbed_environment
from ticketflow_dev.local.service import Layout
from ticketflow_infra.settings import Settings

DEVELOPER_SHELL = {
    "PATH": "/usr/bin",
    "HOME": "/home/dev",
    "LANG": "C.UTF-8",
    "AWS_ACCESS_KEY_ID": "AKIAREALREALREAL",
    "AWS_SECRET_ACCESS_KEY": "real-secret",
    "AWS_SESSION_TOKEN": "real-token",
    "AWS_PROFILE": "prod-admin",
    "AWS_DEFAULT_PROFILE": "prod-admin",
    "AWS_ENDPOINT_URL": "https://somewhere.example",
    "AWS_ENDPOINT_URL_S3": "https://s3.example",
    "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/x",
    "AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/token",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://169.254.170.2/creds",
    "AWS_REGION": "eu-west-1",
    "PYTHONPATH": "/work/main/src",
    "VIRTUAL_ENV": "/tmp/projvenv",
    "TICKETFLOW_EMULATOR_PORT": "4566",
}


def test_scrubbing_drops_aws_and_foreign_python_variables() -> None:
    # GIVEN a developer shell with real credentials, a profile, endpoints and another venv
    # WHEN it is scrubbed
    scrubbed = scrubbed_environment(DEVELOPER_SHELL)

    # THEN nothing AWS_* and nothing steering Python survives; the rest does
    assert not [key for key in scrubbed if key.startswith("AWS_")]
    assert "PYTHONPATH" not in scrubbed
    assert "VIRTUAL_ENV" not in scrubbed
    assert scrubbed["PATH"] == "/usr/bin"
    assert scrubbed["TICKETFLOW_EMULATOR_PORT"] == "4566"


def test_emulator_environment_has_dummy_credentials_and_persistent_state(tmp_path: Path) -> None:
    # GIVEN settings with a custom port, region and home
    settings = Settings(
        home=tmp_path / "home", emulator_port=4999, region="eu-central-1", bind_host="127.0.0.1"
    )

    # WHEN MiniStack's environment is built from the developer's shell
    env = emulator_environment(settings, Layout.of(settings), DEVELOPER_SHELL)

    # THEN it listens where the settings say, persists under home, and only dummy credentials exist
    state = tmp_path / "home" / "state" / "emulator"
    assert env["GATEWAY_PORT"] == "4999"
    assert env["BIND_HOST"] == "127.0.0.1"
    assert env["PERSIST_STATE"] == "1"
    assert env["STATE_DIR"] == str(state)
    assert env["S3_PERSIST"] == "1"
    assert env["S3_DATA_DIR"] == str(state / "s3")
    assert env["LOG_LEVEL"] == "WARNING"
    assert env["AWS_DEFAULT_REGION"] == env["MINISTACK_REGION"] == "eu-central-1"
    assert {key: value for key, value in env.items() if key.startswith("AWS_")} == {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "eu-central-1",
    }


def test_emulator_log_level_can_be_raised_for_debugging(tmp_path: Path) -> None:
    # GIVEN a developer who wants MiniStack's per-request lines
    settings = Settings(home=tmp_path / "home")

    # WHEN the environment is built with TICKETFLOW_EMULATOR_LOG_LEVEL set
    env = emulator_environment(settings, Layout.of(settings), {"TICKETFLOW_EMULATOR_LOG_LEVEL": "INFO"})

    # THEN MiniStack logs at that level
    assert env["LOG_LEVEL"] == "INFO"


def _service(tmp_path: Path, requirements: Path) -> EmulatorService:
    return EmulatorService(Settings(home=tmp_path / "home"), inherited_env={}, requirements=requirements)


def test_venv_is_current_only_with_a_matching_stamp_and_executable(tmp_path: Path) -> None:
    # GIVEN pinned requirements and a venv folder with a ministack executable
    requirements = tmp_path / "emulator.txt"
    requirements.write_text("ministack==1.5.33\n")
    service = _service(tmp_path, requirements)
    service.executable.parent.mkdir(parents=True)
    service.executable.touch()

    # WHEN / THEN without a stamp it is not current; with the requirements' hash it is
    assert not service.venv_is_current()
    service.stamp.write_text(requirements_hash(requirements) + "\n")
    assert service.venv_is_current()

    # AND a changed pin makes it stale again
    requirements.write_text("ministack==1.5.34\n")
    assert not service.venv_is_current()


def test_prepare_does_nothing_when_the_venv_is_current(tmp_path: Path) -> None:
    # GIVEN a current venv (stamp matches, executable present)
    requirements = tmp_path / "emulator.txt"
    requirements.write_text("ministack==1.5.33\n")
    service = _service(tmp_path, requirements)
    service.executable.parent.mkdir(parents=True)
    service.executable.touch()
    service.stamp.write_text(requirements_hash(requirements))
    messages: list[str] = []

    # WHEN it is prepared
    service.prepare(messages.append)

    # THEN nothing is rebuilt or reported
    assert messages == []
    assert service.executable.exists()


def test_launch_runs_the_venv_executable_with_the_scrubbed_environment(tmp_path: Path) -> None:
    # GIVEN the emulator service built from a developer shell
    service = EmulatorService(
        Settings(home=tmp_path / "home"), inherited_env=DEVELOPER_SHELL, requirements=tmp_path / "r.txt"
    )

    # WHEN its launch is computed
    launch = service.launch()

    # THEN it runs MiniStack's main on <home>/venvs/emulator's interpreter, isolated, through the wrapper that
    # marks a completed save, with no real credentials
    python = tmp_path / "home" / "venvs" / "emulator" / "bin" / "python"
    marker = tmp_path / "home" / "state" / "emulator-save-complete.json"
    assert list(launch.argv) == [str(python), "-I", str(emulator_module.MAIN), str(marker)]
    assert emulator_module.MAIN.is_file()
    assert launch.env["AWS_ACCESS_KEY_ID"] == "test"
    assert "AWS_PROFILE" not in launch.env
    assert launch.user is None

"""Configuration, read once: explicit arguments win over the environment, which wins over `.env`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from dotenv import dotenv_values
from pydantic import BaseModel, ConfigDict, Field, ValidationError

Profile = Literal["local", "aws"]
FunctionsRunOn = Literal["emulator", "lambda"]
Architecture = Literal["x86_64", "arm64"]
# Where the local services come from: `embedded` (the CLI starts and supervises them), `external` (whatever
# answers at the configured endpoints: docker compose, a shared box; never started or stopped), `containers`
# (a test session starts them with testcontainers and removes them at its end).
StackTarget = Literal["embedded", "external", "containers"]
ENV_PREFIX = "TICKETFLOW_"


class SettingsError(ValueError):
    """A setting has a value it cannot take; the message names the variable and what it accepts."""


class Settings(BaseModel):
    """Every knob a user can turn, as `TICKETFLOW_<FIELD>` in the environment or in `.env`."""

    model_config = ConfigDict(frozen=True)

    profile: Profile = "local"
    stack: StackTarget = "embedded"
    region: str = "us-east-1"
    stack_name: str = "Ticketflow"
    bedrock_model_id: str = "us.amazon.nova-pro-v1:0"
    home: Path = Field(default=Path(".ticketflow"), description="state, logs and reports of the local stack")
    bind_host: str = "127.0.0.1"
    emulator_port: int = Field(default=4566, ge=1, le=65535)
    warehouse_port: int = Field(default=5439, ge=1, le=65535)
    fake_bedrock_port: int = Field(default=4580, ge=1, le=65535)
    # The AWS fault proxy (`ticketflow faults set SERVICE:OPERATION ...`), started on demand.
    fault_proxy_port: int = Field(default=4590, ge=1, le=65535)
    # Where the deployed Lambdas reach Comprehend and Bedrock; unset: fake_bedrock (local), AWS (aws).
    # docker-compose users set it to the compose alias http://fake-bedrock:4580 (botocore refuses `_`).
    ai_endpoint_url: str | None = None
    # Reserved concurrency of each pipeline function; unset: 4 locally (each emulator worker is a process
    # on a laptop's cores), unreserved on AWS.
    function_concurrency: int | None = Field(default=None, ge=1)
    # Executions in flight at once (admission control in the trigger); unset: 12 locally, no bound on AWS.
    max_in_flight: int | None = Field(default=None, ge=1, le=1000)
    # What runs the functions' code, and so which wheels they are bundled with. `emulator`: the embedded
    # emulator's own Python (its version, OS and architecture). `lambda`: Lambda's managed Linux runtime of
    # the declared architecture (AWS, LocalStack's containers). Unset: emulator locally, lambda on AWS.
    functions_run_on: FunctionsRunOn | None = None
    # The emulator's interpreter (the CLI sets it to the emulator's virtualenv); unset: the one running.
    function_python: str | None = None
    # The functions' declared architecture. Unset: arm64 (Graviton) on AWS, this machine's locally.
    function_architecture: Architecture | None = None
    # The local profile's AWS checks (ticketflow_parity): each request the functions, the CLI and the tests
    # send to a local endpoint is checked as AWS would check it, and what AWS would refuse is refused with
    # AWS's error. Off only to compare (the bench) or when one must; the emulator takes it when it starts.
    aws_checks: bool = True

    @classmethod
    def load(
        cls, environ: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env"), **explicit: object
    ) -> Settings:
        file_values = dotenv_values(dotenv) if dotenv is not None and dotenv.is_file() else {}
        merged: dict[str, object] = {}
        for source in (file_values, os.environ if environ is None else environ):
            for key, value in source.items():
                field = key.removeprefix(ENV_PREFIX).lower()
                if key.startswith(ENV_PREFIX) and field in cls.model_fields and value is not None:
                    merged[field] = value
        merged.update({key: value for key, value in explicit.items() if value is not None})
        try:
            return cls.model_validate(merged)
        except ValidationError as error:
            problems = [
                f"{ENV_PREFIX}{'_'.join(map(str, problem['loc'])).upper()}={problem.get('input')!r}: "
                f"{problem['msg']}"
                for problem in error.errors()
            ]
            raise SettingsError("; ".join(problems) + " (environment or .env)") from None

    def as_environment(self) -> dict[str, str]:
        """Every setting as `TICKETFLOW_<FIELD>`, so that a child process (the CDK app) loads these, not its
        own reading of the environment and `.env`."""
        values: dict[str, object] = self.model_dump(exclude_none=True) | {"home": self.home.absolute()}
        return {f"{ENV_PREFIX}{field.upper()}": str(value) for field, value in values.items()}

    @property
    def emulator_url(self) -> str:
        return f"http://{self.bind_host}:{self.emulator_port}"

    @property
    def fake_bedrock_url(self) -> str:
        return f"http://{self.bind_host}:{self.fake_bedrock_port}"

    @property
    def fault_proxy_url(self) -> str:
        return f"http://{self.bind_host}:{self.fault_proxy_port}"

    @property
    def warehouse_url(self) -> str:
        return f"postgresql://ticketflow@{self.bind_host}:{self.warehouse_port}/warehouse"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

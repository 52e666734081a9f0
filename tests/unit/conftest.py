"""Unit-tier fixtures: a Lambda context, offline boto3 clients (for Stubber), synthesized stacks, the CDK app.

`tests.*` helpers and infra/ are importable through pytest's `pythonpath` (pyproject.toml).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

import app as cdk_app
from tests.aws_clients import offline_clients
from tests.unit.checked_synth import Checked, synth_checked
from tests.unit.lambda_loader import FakeLambdaContext
from ticketflow_infra.profiles import profile_props
from ticketflow_infra.settings import Settings
from ticketflow_infra.stack import TicketflowStack
from ticketflow_infra.template_checks import Finding

if TYPE_CHECKING:
    from mypy_boto3_bedrock_runtime import BedrockRuntimeClient
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_comprehend import ComprehendClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_stepfunctions import SFNClient


PROFILES = ("local", "aws")
STACK_NAME = "Ticketflow"
CDK_JSON = Path(__file__).resolve().parents[2] / "infra" / "cdk.json"


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture
def sfn_client() -> SFNClient:
    return offline_clients()("stepfunctions")


@pytest.fixture
def dynamodb_client() -> DynamoDBClient:
    return offline_clients()("dynamodb")


@pytest.fixture
def s3_client() -> S3Client:
    return offline_clients()("s3")


@pytest.fixture
def kinesis_client() -> KinesisClient:
    return offline_clients()("kinesis")


@pytest.fixture
def cloudwatch_client() -> CloudWatchClient:
    return offline_clients()("cloudwatch")


@pytest.fixture
def comprehend_client() -> ComprehendClient:
    return offline_clients()("comprehend")


@pytest.fixture
def bedrock_client() -> BedrockRuntimeClient:
    return offline_clients()("bedrock-runtime")


@pytest.fixture
def cloudformation_client() -> CloudFormationClient:
    return offline_clients()("cloudformation")


@pytest.fixture
def lambda_client() -> LambdaClient:
    return offline_clients()("lambda")


# --- the CDK stack, synthesized offline ------------------------------------------------------------------


@pytest.fixture(scope="session")
def stub_shared_code(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny stand-in for the built shared code (no pip run): one importable package, outside the repo."""
    root = tmp_path_factory.mktemp("build") / "shared-test"
    (root / "ticketflow").mkdir(parents=True)
    (root / "ticketflow" / "__init__.py").write_text("")
    return root


def synthesize(
    profile: str, shared_code: Path, outdir: Path | None = None, *, like_the_cli: bool = False
) -> tuple[cdk.App, TicketflowStack]:
    """The app and stack of `profile` (`local` or `aws`), not synthesized yet: environment-agnostic, or
    `like_the_cli` as `cdk synth` builds them (infra/cdk.json's context, app.py's account and region)."""
    os.environ["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20"
    settings = Settings(profile=profile)
    props = profile_props(settings)
    context = json.loads(CDK_JSON.read_text(encoding="utf-8"))["context"] if like_the_cli else None
    app = cdk.App(outdir=str(outdir) if outdir is not None else None, context=context)
    env = cdk.Environment(account=props.account, region=settings.region) if like_the_cli else None
    stack = TicketflowStack(app, STACK_NAME, profile=props, shared_code=shared_code, env=env)
    return app, stack


@pytest.fixture(scope="module")
def profile_templates(stub_shared_code: Path) -> Mapping[str, Template]:
    """Each profile's template, synthesized once per test module."""
    return {profile: Template.from_stack(synthesize(profile, stub_shared_code)[1]) for profile in PROFILES}


@pytest.fixture(scope="session")
def checked(stub_shared_code: Path, tmp_path_factory: pytest.TempPathFactory) -> Mapping[str, Checked]:
    """Each profile's stack synthesized with cdk-nag's checks on as `cdk synth` does, into its own cloud
    assembly, once per run (the cdk-nag and the template checks' tests share it)."""
    results = {}
    for profile in PROFILES:
        outdir = tmp_path_factory.mktemp(f"cdk-out-{profile}")
        app, stack = synthesize(profile, stub_shared_code, outdir, like_the_cli=True)
        results[profile] = Checked(stack, outdir, synth_checked(app, outdir))
    return results


@dataclass
class OfflineApp:
    outdir: Path  # where main() writes the cloud assembly
    checked_assemblies: list[Path] = field(default_factory=list)  # what it gave the template checks
    findings: list[Finding] = field(default_factory=list)  # what the template checks answer


@pytest.fixture
def offline_app(stub_shared_code: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> OfflineApp:
    """infra/app.py's main, ready to run offline for the local profile: the shared code stubbed, the cloud
    assembly in tmp_path, the template checks observed (their own tests run them on both profiles)."""
    offline = OfflineApp(tmp_path)

    def observed_checks(directory: Path) -> list[Finding]:
        offline.checked_assemblies.append(directory)
        return offline.findings

    app_class = cdk.App
    monkeypatch.setattr(cdk_app, "build_shared_code", lambda _target: stub_shared_code)
    monkeypatch.setattr(cdk_app, "check_assembly", observed_checks)
    # The jsii kernel is already running, so CDK_OUTDIR would not reach it: the outdir is passed instead.
    monkeypatch.setattr(cdk, "App", lambda: app_class(outdir=str(tmp_path)))
    monkeypatch.setenv("TICKETFLOW_PROFILE", "local")
    return offline

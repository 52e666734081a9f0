"""Runs the real CDK CLI against the emulator (local profile) or the user's AWS account (aws profile)."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from ticketflow_dev.core.aws import LOCAL_CREDENTIALS, Clients
from ticketflow_dev.iam.policy_file import remove_policies, write_policies
from ticketflow_dev.local.supervisor import Progress
from ticketflow_dev.targets import stack_target
from ticketflow_infra.paths import REPO_ROOT
from ticketflow_infra.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_cloudformation.type_defs import StackTypeDef
    from mypy_boto3_lambda import LambdaClient

CDK_BIN = REPO_ROOT / "node_modules" / ".bin" / "cdk"
INFRA_DIR = REPO_ROOT / "infra"
LOCAL_ACCOUNT = "000000000000"
TOOLKIT_STACK = "CDKToolkit"
_DROPPED = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
# The CDK CLI retries a dead endpoint for about 45 s before it gives up; the endpoint's own probe tells in
# seconds. Several misses in a row, so that a busy emulator's one slow answer stops nothing.
WATCH_INTERVAL = 1.0
WATCH_MISSES = 3


class CdkError(RuntimeError):
    pass


def cloud_assembly(settings: Settings) -> Path:
    """Where `cdk` synthesizes, under the home: the template holds that home's settings (fake_bedrock's port,
    among others), so two homes of one checkout deploying at once must not share it."""
    return settings.home.absolute() / "cdk.out"


def outputs_file(settings: Settings) -> Path:
    """One file per stack: a deploy writes only its own stack's outputs, and a destroy removes only those."""
    return settings.home / "outputs" / f"{settings.stack_name}.json"


def deploy_intent(settings: Settings) -> Path:
    """Written before a local deploy begins and removed once the emulator has saved it: a crash in between
    leaves it behind, and the recovery from that crash deploys again (even a first deploy that wrote no
    outputs yet)."""
    return outputs_file(settings).with_suffix(".deploying")


def cdk_environment(settings: Settings, base: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20"
    # The app synthesizes what these settings say (stack name, ports, the functions' interpreter, ...).
    env |= settings.as_environment()
    env["AWS_REGION"] = env["AWS_DEFAULT_REGION"] = settings.region
    if settings.profile == "local":
        for name in [*_DROPPED, *(k for k in env if k.startswith("AWS_ENDPOINT_URL"))]:
            env.pop(name, None)
        # The plain CLI honours AWS_ENDPOINT_URL and uses path-style S3 for a localhost endpoint.
        env["AWS_ENDPOINT_URL"] = settings.emulator_url
        env["AWS_ACCESS_KEY_ID"] = LOCAL_CREDENTIALS["aws_access_key_id"]
        env["AWS_SECRET_ACCESS_KEY"] = LOCAL_CREDENTIALS["aws_secret_access_key"]
        env["CDK_S3_FORCE_PATH_STYLE"] = "1"  # also for an emulator that is not on loopback
        # Construct validation is for what AWS would reject; the emulator run trades it for ~2x faster synth.
        env["CDK_VALIDATION"] = "false"
    return env


class Cdk:
    """`cdk` commands run in infra/, their output kept in a log; a failure raises with the log's tail.
    `endpoint_problem`, polled while a command runs, says why the endpoint does not answer (None when it
    does): the command is stopped once it has said so WATCH_MISSES times in a row."""

    def __init__(
        self,
        settings: Settings,
        on_line: Callable[[str], None] | None = None,
        endpoint_problem: Callable[[], str | None] | None = None,
    ) -> None:
        if not CDK_BIN.exists():
            raise CdkError(f"the CDK CLI is not installed at {CDK_BIN}: run `make install`")
        self._settings = settings
        self._on_line = on_line
        self._endpoint_problem = endpoint_problem
        self._log = settings.home / "logs" / "cdk.log"

    def synth(self) -> None:
        self._run("synth", "--quiet")

    def bootstrap(self) -> None:
        account = LOCAL_ACCOUNT if self._settings.profile == "local" else ""
        target = [f"aws://{account}/{self._settings.region}"] if account else []
        self._run("bootstrap", *target)

    def deploy(self, *, hotswap: bool = False) -> None:
        outputs = outputs_file(self._settings).resolve()
        self._run(
            "deploy",
            self._settings.stack_name,
            "--require-approval", "never",
            "--outputs-file", str(outputs),
            *(["--hotswap-fallback"] if hotswap else []),
        )  # fmt: skip

    def destroy(self) -> None:
        self._run("destroy", self._settings.stack_name, "--force")

    def _run(self, *args: str) -> None:
        self._log.parent.mkdir(parents=True, exist_ok=True)
        command = [
            str(CDK_BIN),
            *args,
            "--output",
            str(cloud_assembly(self._settings)),
            "--context",
            f"profile={self._settings.profile}",
        ]
        tail: deque[str] = deque(maxlen=40)
        gone: list[str] = []
        finished = threading.Event()
        with self._log.open("a", encoding="utf-8") as log:
            log.write(f"$ {' '.join(command)}\n")
            with subprocess.Popen(
                command, cwd=INFRA_DIR, env=cdk_environment(self._settings), stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, text=True, bufsize=1,
            ) as process:  # fmt: skip
                assert process.stdout is not None
                if self._endpoint_problem is not None:
                    watch = (self._endpoint_problem, process, finished, gone)
                    threading.Thread(target=_stop_when_gone, args=watch, daemon=True).start()
                try:
                    for line in process.stdout:
                        log.write(line)
                        tail.append(line.rstrip())
                        if self._on_line and line.strip():
                            self._on_line(line.strip())
                finally:
                    finished.set()
            if gone:
                log.write(f"stopped by ticketflow: the endpoint stopped answering ({gone[0]})\n")
                raise CdkError(
                    f"`cdk {args[0]}` stopped: the endpoint stopped answering ({gone[0]}); log {self._log}"
                )
        if process.returncode != 0:
            raise CdkError(
                f"`cdk {args[0]}` failed (exit {process.returncode}); log {self._log}:\n" + "\n".join(tail)
            )


def _stop_when_gone(
    problem: Callable[[], str | None],
    process: subprocess.Popen[str],
    finished: threading.Event,
    gone: list[str],
) -> None:
    misses = 0
    while not finished.wait(WATCH_INTERVAL):
        answer = problem()
        misses = 0 if answer is None else misses + 1
        if answer is not None and misses >= WATCH_MISSES:
            gone.append(answer)
            process.terminate()
            return


def find_stack(cloudformation: CloudFormationClient, stack_name: str) -> StackTypeDef | None:
    """The stack of that name; None when there is none or only a deleted one (an emulator may list it)."""
    try:
        stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    except ClientError as error:
        if "does not exist" in str(error):
            return None
        raise
    return None if stack["StackStatus"] == "DELETE_COMPLETE" else stack


def is_bootstrapped(cloudformation: CloudFormationClient) -> bool:
    stack = find_stack(cloudformation, TOOLKIT_STACK)
    return stack is not None and not stack["StackStatus"].startswith("DELETE")


def template_file(settings: Settings) -> Path:
    return cloud_assembly(settings) / f"{settings.stack_name}.template.json"


def apply_reserved_concurrency(
    template: Path, stack_name: str, cloudformation: CloudFormationClient, lambda_client: LambdaClient
) -> dict[str, int]:
    """Applies the template's ReservedConcurrentExecutions through the Lambda API.

    MiniStack's CloudFormation ignores that property, and without it a burst of tickets starts one
    emulator worker process per concurrent invocation. Idempotent; on AWS CloudFormation already did it.
    """
    resources = json.loads(template.read_text(encoding="utf-8"))["Resources"]
    wanted = {
        logical_id: int(resource["Properties"]["ReservedConcurrentExecutions"])
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::Lambda::Function"
        and "ReservedConcurrentExecutions" in resource["Properties"]
    }
    applied: dict[str, int] = {}
    for summary in cloudformation.describe_stack_resources(StackName=stack_name)["StackResources"]:
        limit = wanted.get(summary["LogicalResourceId"])
        if limit is not None:
            function_name = summary["PhysicalResourceId"]
            lambda_client.put_function_concurrency(
                FunctionName=function_name, ReservedConcurrentExecutions=limit
            )
            applied[function_name] = limit
    return applied


def deploy_stack(
    settings: Settings,
    cdk: Cdk,
    clients: Clients,
    *,
    hotswap: bool = False,
    durable: bool = True,
    progress: Progress | None = None,
) -> float | None:
    """Bootstraps the environment the first time, deploys, and closes the emulator's known gaps.

    Locally a deploy that changed a stack is then made `durable`: MiniStack saves its state only when it
    stops, so without a save a crash takes the deployment with it; the emulator is restarted cleanly (where
    the stack target runs it). Returns the seconds that save took, None when there was none.
    """
    cloudformation = clients("cloudformation")
    local = settings.profile == "local"
    intent = deploy_intent(settings)
    if local:
        intent.parent.mkdir(parents=True, exist_ok=True)
        intent.write_text(json.dumps({"started_at": time.time()}) + "\n", encoding="utf-8")
    before = _deployment_marks(cloudformation, settings.stack_name)
    if not is_bootstrapped(cloudformation):
        cdk.bootstrap()
    cdk.deploy(hotswap=hotswap)
    if not local:
        return None
    # The deployed template's policies, for the functions' IAM check (docs/iam.md).
    write_policies(settings, cloudformation)
    apply_reserved_concurrency(
        template_file(settings), settings.stack_name, cloudformation, clients("lambda")
    )
    if not durable:
        return None  # the caller saves, and removes the intent
    saved = None
    if _deployment_marks(cloudformation, settings.stack_name) != before:
        began = time.monotonic()
        if stack_target(settings).save_emulator_state(progress):
            saved = time.monotonic() - began
    intent.unlink(missing_ok=True)
    return saved


def _deployment_marks(cloudformation: CloudFormationClient, stack_name: str) -> list[tuple[str, str] | None]:
    """What a deploy that changed anything changes: the bootstrap's and the stack's status and update time."""
    marks: list[tuple[str, str] | None] = []
    for name in (TOOLKIT_STACK, stack_name):
        stack = find_stack(cloudformation, name)
        updated = None if stack is None else stack.get("LastUpdatedTime") or stack.get("CreationTime")
        marks.append(None if stack is None else (stack["StackStatus"], str(updated)))
    return marks


def destroy_stack(settings: Settings, cdk: Cdk, clients: Clients) -> bool:
    """Deletes the stack, then its outputs file; False when there was no stack to delete (a no-op)."""
    existed = find_stack(clients("cloudformation"), settings.stack_name) is not None
    if existed:
        cdk.destroy()
    # Nothing may later read the outputs (or the policies) of a stack that is gone.
    outputs_file(settings).unlink(missing_ok=True)
    remove_policies(settings)
    return existed

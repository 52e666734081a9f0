"""One way to declare a pipeline Lambda: its folder under lambdas/ bundled with the shared code."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from ticketflow_infra.bundling import SOURCE_METADATA, function_asset, function_zip
from ticketflow_infra.function_platform import FunctionPlatform
from ticketflow_infra.paths import LAMBDAS_DIR
from ticketflow_infra.security import acknowledge
from ticketflow_infra.template_checks import lint_exception

DEFAULT_TIMEOUT = cdk.Duration.seconds(30)
_ARCHITECTURES = {"x86_64": lambda_.Architecture.X86_64, "arm64": lambda_.Architecture.ARM_64}


@dataclass(frozen=True, kw_only=True)
class FunctionDefaults:
    """What every pipeline function shares."""

    shared_code: Path  # built by bundling.build_shared_code for `platform`
    platform: FunctionPlatform
    removal_policy: cdk.RemovalPolicy
    # Reserved concurrency of the state machine's task functions (None: unreserved).
    task_concurrency: int | None = None
    environment: dict[str, str] = field(default_factory=dict)


def pipeline_function(
    scope: Construct,
    construct_id: str,
    *,
    folder: str,
    defaults: FunctionDefaults,
    environment: dict[str, str] | None = None,
    timeout: cdk.Duration = DEFAULT_TIMEOUT,
    memory_size: int = 256,
    state_machine_task: bool = True,
) -> lambda_.Function:
    log_group = logs.LogGroup(
        scope,
        f"{construct_id}Logs",
        retention=logs.RetentionDays.ONE_MONTH,
        removal_policy=defaults.removal_policy,
    )
    # Its own role, allowed to write to its own log group only (not AWSLambdaBasicExecutionRole, which may
    # create and write any log group in the account); each construct grants the rest.
    role = iam.Role(
        scope,
        f"{construct_id}Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=f"ticketflow {construct_id} function",
    )
    log_group.grant_write(role)
    function = lambda_.Function(
        scope,
        construct_id,
        role=role,
        runtime=lambda_.Runtime(defaults.platform.runtime_name, lambda_.RuntimeFamily.PYTHON),
        architecture=_ARCHITECTURES[defaults.platform.architecture],
        handler="handler.lambda_handler",
        code=lambda_.Code.from_asset(
            str(function_zip(function_asset(LAMBDAS_DIR / folder, defaults.shared_code)))
        ),
        timeout=timeout,
        memory_size=memory_size,
        log_group=log_group,
        reserved_concurrent_executions=defaults.task_concurrency if state_machine_task else None,
        environment={
            "POWERTOOLS_SERVICE_NAME": "ticketflow",
            "POWERTOOLS_LOG_LEVEL": "INFO",
            **defaults.environment,
            **(environment or {}),
        },
    )
    resource = cast(lambda_.CfnFunction, function.node.default_child)
    resource.add_metadata(SOURCE_METADATA, folder)
    lint_exception(
        resource,
        "W3005",
        "lambda.Function depends on its whole role construct, so that the role's default policy exists before"
        " the function; that DependsOn lists the role too, which the GetAtt of its ARN already orders.",
    )
    acknowledge(
        function,
        "AwsSolutions-L1",
        f"{defaults.platform.runtime_name} on purpose: the runtime follows the supported Python range"
        " (3.11-3.13, the newest on AWS) and, locally, the emulator's own interpreter; the bundled wheels"
        " are built for it (function_platform.py).",
    )
    return function

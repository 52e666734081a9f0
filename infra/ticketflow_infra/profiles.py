"""The deployment profiles: typed, keyword-only properties built once in app.py.

Constructs read these fields; none of them asks which profile it is in.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_events as events

from ticketflow_infra.function_platform import FunctionPlatform, function_platform
from ticketflow_infra.settings import Settings
from ticketflow_infra.warehouse import DEFAULT_SCHEDULE

LOCAL_FUNCTION_CONCURRENCY = 4
# Executions the trigger keeps in flight locally: the pipeline's knee on two cores (README, Benchmark).
LOCAL_MAX_IN_FLIGHT = 12
LOCAL_ACCOUNT = "000000000000"  # the emulators' account


@dataclass(frozen=True, kw_only=True)
class ProfileProps:
    name: str
    # None: the account of the credentials the CDK CLI runs with.
    account: str | None
    bedrock_model_id: str
    # Set: the Lambdas reach Comprehend and Bedrock Runtime at this URL (the stand-in), unset: AWS.
    ai_endpoint_url: str | None
    removal_policy: cdk.RemovalPolicy
    # The functions' declared runtime and architecture, and the wheels bundled for what really runs them.
    function_platform: FunctionPlatform
    # Bounds each function's concurrent executions; a throttled task is retried by the state machine.
    function_concurrency: int | None
    # Bounds the executions in flight (the trigger waits for a slot; the stream holds the rest). None: none.
    max_in_flight: int | None
    # Set: the Warehouse (Redshift secret, ETL function) is deployed and runs on this schedule. None: no
    # warehouse in the stack; the local warehouse is PostgreSQL, loaded by `ticketflow etl`.
    warehouse_etl_schedule: events.Schedule | None
    # Customers' data kept recoverable: the archive bucket keeps object versions, the table keeps 35 days of
    # point-in-time recovery. Off locally, where the data is disposable and deleted with the stack.
    archive_versioned: bool
    point_in_time_recovery: bool

    @property
    def ai_endpoint_environment(self) -> dict[str, str]:
        if self.ai_endpoint_url is None:
            return {}
        return {
            "AWS_ENDPOINT_URL_COMPREHEND": self.ai_endpoint_url,
            "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": self.ai_endpoint_url,
        }


def local_profile(settings: Settings) -> ProfileProps:
    return ProfileProps(
        name="local",
        account=LOCAL_ACCOUNT,
        bedrock_model_id=settings.bedrock_model_id,
        ai_endpoint_url=settings.ai_endpoint_url or settings.fake_bedrock_url,
        removal_policy=cdk.RemovalPolicy.DESTROY,
        function_platform=function_platform(settings),
        function_concurrency=settings.function_concurrency or LOCAL_FUNCTION_CONCURRENCY,
        max_in_flight=settings.max_in_flight or LOCAL_MAX_IN_FLIGHT,
        warehouse_etl_schedule=None,
        archive_versioned=False,
        point_in_time_recovery=False,
    )


def aws_profile(settings: Settings) -> ProfileProps:
    return ProfileProps(
        name="aws",
        account=os.environ.get("CDK_DEFAULT_ACCOUNT"),
        bedrock_model_id=settings.bedrock_model_id,
        ai_endpoint_url=settings.ai_endpoint_url,
        removal_policy=cdk.RemovalPolicy.RETAIN,
        function_platform=function_platform(settings),
        function_concurrency=settings.function_concurrency,
        max_in_flight=settings.max_in_flight,
        warehouse_etl_schedule=DEFAULT_SCHEDULE,
        archive_versioned=True,
        point_in_time_recovery=True,
    )


def profile_props(settings: Settings) -> ProfileProps:
    return {"local": local_profile, "aws": aws_profile}[settings.profile](settings)

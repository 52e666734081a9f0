"""The one stack: composes the concerns and exports what clients need to find them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
from constructs import Construct

from ticketflow_infra.alerting import Alerting, failures_per_minute, tickets_failed
from ticketflow_infra.enrichment import Enrichment
from ticketflow_infra.functions import FunctionDefaults
from ticketflow_infra.ingest import Ingest
from ticketflow_infra.orchestration import TicketWorkflow
from ticketflow_infra.outputs import StackOutputs
from ticketflow_infra.profiles import ProfileProps
from ticketflow_infra.storage import TicketStorage
from ticketflow_infra.warehouse import Warehouse


class TicketflowStack(cdk.Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, profile: ProfileProps, shared_code: Path, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        functions = FunctionDefaults(
            shared_code=shared_code,
            platform=profile.function_platform,
            removal_policy=profile.removal_policy,
            task_concurrency=profile.function_concurrency,
            environment=profile.ai_endpoint_environment,
        )
        storage = TicketStorage(
            self,
            "Storage",
            functions=functions,
            versioned=profile.archive_versioned,
            point_in_time_recovery=profile.point_in_time_recovery,
        )
        enrichment = Enrichment(
            self, "Enrichment", functions=functions, bedrock_model_id=profile.bedrock_model_id
        )
        alerting = Alerting(self, "Alerting", removal_policy=profile.removal_policy)
        workflow = TicketWorkflow(
            self,
            "Orchestration",
            detect_sentiment=enrichment.detect_sentiment,
            generate_response=enrichment.generate_response,
            s3_writer=storage.writer,
            table=storage.table,
            topic=alerting.topic,
            removal_policy=profile.removal_policy,
        )
        ingest = Ingest(
            self,
            "Ingest",
            functions=functions,
            state_machine=workflow.state_machine,
            table=storage.table,
            bucket=storage.bucket,
            max_in_flight=profile.max_in_flight,
        )
        # Ours works on AWS and in the emulator (which emits no AWS/States metrics); AWS's own is kept too.
        alarm = alerting.alarm_on_failures(
            "TicketsFailed",
            tickets_failed(),
            "Support tickets failed: no stored reply (status FAILED, reason on the item; `ticketflow tickets"
            " list --status FAILED`).",
        )
        alerting.alarm_on_failures(
            "ExecutionsFailed",
            failures_per_minute(workflow.state_machine.metric_failed()),
            "Ticket executions failed (AWS/States). Fires with TicketsFailed for a recorded failure, and"
            " alone for one that never reached RecordFailure (an execution timeout or abort).",
        )
        alerting.alarm_on_failures(
            "DeadLetters",
            ingest.dead_letters.metric_approximate_number_of_messages_visible(
                period=cdk.Duration.minutes(1), statistic="Maximum"
            ),
            "Kinesis records are dead-lettered: their tickets wait in RECEIVED (`ticketflow dlq list`, then"
            " `ticketflow dlq replay`).",
        )
        if profile.warehouse_etl_schedule is not None:
            warehouse = Warehouse(
                self,
                "Warehouse",
                bucket=storage.bucket,
                functions=functions,
                schedule=profile.warehouse_etl_schedule,
            )
            # Not StackOutputs: clients need these only where there is a warehouse (the secret to fill in,
            # the function to invoke by hand).
            cdk.CfnOutput(self, "WarehouseSecretArn", value=warehouse.secret.secret_arn)
            cdk.CfnOutput(self, "WarehouseEtlFunctionName", value=warehouse.function.function_name)
        self._export(
            StackOutputs(
                stream_name=ingest.stream.stream_name,
                table_name=storage.table.table_name,
                bucket_name=storage.bucket.bucket_name,
                topic_arn=alerting.topic.topic_arn,
                state_machine_arn=workflow.state_machine.state_machine_arn,
                trigger_function_name=ingest.trigger.function_name,
                dead_letter_queue_url=ingest.dead_letters.queue_url,
                failure_alarm_name=alarm.alarm_name,
            )
        )

    def _export(self, outputs: StackOutputs) -> None:
        for key, value in outputs.model_dump(by_alias=True).items():
            cdk.CfnOutput(self, key, value=value)

"""The CDK stack, synthesized for the local and the aws profile (once each per module)."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import Any, cast

import pytest
from aws_cdk.assertions import Match, Template

from ticketflow import carriage, dead_letters, metrics
from ticketflow.ingest import ADMISSION_WAIT_SECONDS
from ticketflow.model import EVENT_NAME
from ticketflow.ticket_store import STATUS_INDEX
from ticketflow_infra.bundling import SOURCE_METADATA
from ticketflow_infra.function_platform import machine_architecture
from ticketflow_infra.outputs import StackOutputs
from ticketflow_infra.paths import BUILD_DIR, LAMBDAS_DIR
from ticketflow_infra.profiles import LOCAL_FUNCTION_CONCURRENCY, LOCAL_MAX_IN_FLIGHT
from ticketflow_infra.settings import Settings

ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_COMPREHEND", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME")
TASK_FUNCTIONS = ("EnrichmentDetectSentiment", "EnrichmentGenerateResponse", "StorageS3Writer")
TRIGGER_FUNCTION = "IngestTriggerSFN"
WAREHOUSE_FUNCTION = "WarehouseEtl"  # aws profile only, reserved concurrency 1 by design


def _build_dir_listing() -> set[str]:
    return {p.name for p in BUILD_DIR.iterdir()} if BUILD_DIR.is_dir() else set()


@pytest.fixture(scope="module")
def build_dir_before() -> set[str]:
    return _build_dir_listing()


@pytest.fixture(scope="module")
def local(build_dir_before: set[str], profile_templates: Mapping[str, Template]) -> Template:
    return profile_templates["local"]


@pytest.fixture(scope="module")
def aws(build_dir_before: set[str], profile_templates: Mapping[str, Template]) -> Template:
    return profile_templates["aws"]


def _functions(template: Template) -> Mapping[str, Mapping[str, Any]]:
    return template.find_resources("AWS::Lambda::Function")


def _function(template: Template, prefix: str) -> Mapping[str, Any]:
    [properties] = [r["Properties"] for lid, r in _functions(template).items() if lid.startswith(prefix)]
    return cast("Mapping[str, Any]", properties)


def _logical_id(template: Template, resource_type: str) -> str:
    [logical_id] = template.find_resources(resource_type)
    return logical_id


@pytest.mark.parametrize("profile", ["local", "aws"])
def test_one_of_each_pipeline_resource(profile: str, request: pytest.FixtureRequest) -> None:
    # GIVEN the profile's template
    template: Template = request.getfixturevalue(profile)

    # WHEN / THEN the stream, dead-letter queue, table, bucket, topic, three alarms (TicketsFailed,
    # ExecutionsFailed and DeadLetters), state machine and four functions
    for resource_type, count in {
        "AWS::Kinesis::Stream": 1,
        "AWS::SQS::Queue": 1,
        "AWS::DynamoDB::GlobalTable": 1,
        "AWS::S3::Bucket": 1,
        "AWS::SNS::Topic": 1,
        "AWS::CloudWatch::Alarm": 3,
        "AWS::StepFunctions::StateMachine": 1,
        "AWS::Lambda::EventSourceMapping": 1,
    }.items():
        template.resource_count_is(resource_type, count)
    assert len([lid for lid in _functions(template) if not lid.startswith(WAREHOUSE_FUNCTION)]) == 4


def test_kinesis_mapping_filters_ticket_events_and_reports_item_failures(local: Template) -> None:
    # GIVEN / WHEN the event source mapping
    # THEN batches of 100 from the stream, only TicketSubmitted events (the decoded record under `data`),
    # partial batch responses, and a failing batch split in two
    local.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "EventSourceArn": {"Fn::GetAtt": [_logical_id(local, "AWS::Kinesis::Stream"), "Arn"]},
            "FunctionName": {"Ref": Match.string_like_regexp(f"^{TRIGGER_FUNCTION}")},
            "BatchSize": 100,
            "FilterCriteria": {
                "Filters": [
                    {"Pattern": json.dumps({"data": {"eventName": [EVENT_NAME]}}, separators=(",", ":"))}
                ]
            },
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "BisectBatchOnFunctionError": True,
            "StartingPosition": "TRIM_HORIZON",
        },
    )


def test_ticket_table_is_keyed_by_ticket_id_with_a_status_index(local: Template) -> None:
    # GIVEN / WHEN / THEN items by ticket id, and the by-status index (status, newest status_at) that
    # `ticketflow tickets list` queries, projecting whole items
    local.has_resource_properties(
        "AWS::DynamoDB::GlobalTable",
        {
            "KeySchema": [{"AttributeName": "ticket_id", "KeyType": "HASH"}],
            "AttributeDefinitions": [
                {"AttributeName": "ticket_id", "AttributeType": "S"},
                {"AttributeName": "status", "AttributeType": "S"},
                {"AttributeName": "status_at", "AttributeType": "S"},
            ],
            "BillingMode": "PAY_PER_REQUEST",
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": STATUS_INDEX,
                    "KeySchema": [
                        {"AttributeName": "status", "KeyType": "HASH"},
                        {"AttributeName": "status_at", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
        },
    )


def test_archive_bucket_is_private_and_encrypted(local: Template) -> None:
    # GIVEN / WHEN / THEN
    local.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "BucketEncryption": Match.any_value(),
        },
    )


def _alarm(template: Template, metric_name: str) -> str:
    [logical_id] = template.find_resources(
        "AWS::CloudWatch::Alarm", {"Properties": {"MetricName": metric_name}}
    )
    return logical_id


def test_tickets_failed_alarm_notifies_the_topic(local: Template) -> None:
    # GIVEN the topic
    topic = _logical_id(local, "AWS::SNS::Topic")

    # WHEN / THEN the alarm fires on one TicketsFailed count a minute (what RecordFailure's CountFailure
    # publishes, in the emulator too) and notifies that topic
    local.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmActions": [{"Ref": topic}],
            "Namespace": metrics.NAMESPACE,
            "MetricName": metrics.TICKETS_FAILED,
            "Dimensions": Match.absent(),
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "EvaluationPeriods": 1,
            "Period": 60,
            "Statistic": "Sum",
            "TreatMissingData": "notBreaching",
        },
    )


def test_dead_letters_alarm_notifies_the_topic(local: Template) -> None:
    # GIVEN the topic and the dead-letter queue
    topic = _logical_id(local, "AWS::SNS::Topic")
    queue = _logical_id(local, "AWS::SQS::Queue")

    # WHEN / THEN a single letter waiting in the queue raises the alarm on that topic
    local.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmActions": [{"Ref": topic}],
            "Namespace": "AWS/SQS",
            "MetricName": "ApproximateNumberOfMessagesVisible",
            "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}],
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "Period": 60,
            "Statistic": "Maximum",
        },
    )


def test_executions_failed_alarm_notifies_the_topic(local: Template) -> None:
    # GIVEN the topic and the state machine
    topic = _logical_id(local, "AWS::SNS::Topic")
    state_machine = _logical_id(local, "AWS::StepFunctions::StateMachine")

    # WHEN / THEN AWS's own alarm fires on one failed execution a minute and notifies that topic
    local.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmActions": [{"Ref": topic}],
            "Namespace": "AWS/States",
            "MetricName": "ExecutionsFailed",
            "Dimensions": [{"Name": "StateMachineArn", "Value": {"Ref": state_machine}}],
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "Period": 60,
            "Statistic": "Sum",
        },
    )


def test_state_machine_substitutes_the_stacks_resources(local: Template) -> None:
    # GIVEN the resources the definition refers to
    def function_arn(prefix: str) -> dict[str, Any]:
        [logical_id] = [lid for lid in _functions(local) if lid.startswith(prefix)]
        return {"Fn::GetAtt": [logical_id, "Arn"]}

    # WHEN / THEN each substitution names its resource
    local.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        {
            "StateMachineType": "STANDARD",
            "DefinitionSubstitutions": {
                "DetectSentimentFunctionArn": function_arn("EnrichmentDetectSentiment"),
                "GenerateResponseFunctionArn": function_arn("EnrichmentGenerateResponse"),
                "S3WriterFunctionArn": function_arn("StorageS3Writer"),
                "TicketsTableName": {"Ref": _logical_id(local, "AWS::DynamoDB::GlobalTable")},
                "NotificationsTopicArn": {"Ref": _logical_id(local, "AWS::SNS::Topic")},
                "MetricNamespace": metrics.NAMESPACE,
                "FailureMetricName": metrics.TICKETS_FAILED,
            },
        },
    )


def test_local_functions_reach_the_ai_stand_in(local: Template) -> None:
    # GIVEN the local profile's AI endpoint
    endpoint = Settings(profile="local").fake_bedrock_url

    # WHEN / THEN every function has both endpoint variables pointing at it
    for logical_id, function in _functions(local).items():
        variables = function["Properties"]["Environment"]["Variables"]
        assert {name: variables.get(name) for name in ENDPOINT_VARIABLES} == dict.fromkeys(
            ENDPOINT_VARIABLES, endpoint
        ), logical_id


def test_aws_functions_use_the_real_services(aws: Template) -> None:
    # GIVEN / WHEN / THEN no function overrides an endpoint on AWS
    for logical_id, function in _functions(aws).items():
        variables = function["Properties"]["Environment"]["Variables"]
        assert not [name for name in variables if name.startswith("AWS_ENDPOINT_URL")], logical_id


def test_functions_declare_the_runtime_and_architecture_their_wheels_are_built_for(
    local: Template, aws: Template
) -> None:
    # GIVEN both templates (synthesized in this process: the local profile's emulator is this interpreter)
    # WHEN each function's runtime and architecture are read
    # THEN on AWS: python3.13 on Graviton; locally: this interpreter's version on this machine's architecture
    here = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    for template, runtime, architecture in (
        (aws, "python3.13", "arm64"),
        (local, here, machine_architecture()),
    ):
        for logical_id, function in _functions(template).items():
            assert function["Properties"]["Runtime"] == runtime, logical_id
            assert function["Properties"]["Architectures"] == [architecture], logical_id


def test_local_task_functions_have_reserved_concurrency(local: Template) -> None:
    # GIVEN / WHEN / THEN the state machine's tasks are bounded locally; the trigger is not
    for prefix in TASK_FUNCTIONS:
        assert _function(local, prefix)["ReservedConcurrentExecutions"] == LOCAL_FUNCTION_CONCURRENCY == 4
    assert "ReservedConcurrentExecutions" not in _function(local, TRIGGER_FUNCTION)


def test_the_trigger_bounds_executions_in_flight_locally_and_not_on_aws(
    local: Template, aws: Template
) -> None:
    # GIVEN / WHEN the trigger of each profile
    local_trigger, aws_trigger = _function(local, TRIGGER_FUNCTION), _function(aws, TRIGGER_FUNCTION)

    # THEN locally it admits LOCAL_MAX_IN_FLIGHT and outlasts a batch's wait for admission; on AWS no bound
    assert local_trigger["Environment"]["Variables"]["MAX_IN_FLIGHT"] == str(LOCAL_MAX_IN_FLIGHT) == "12"
    assert "MAX_IN_FLIGHT" not in aws_trigger["Environment"]["Variables"]
    assert local_trigger["Timeout"] == ADMISSION_WAIT_SECONDS + 20


def test_each_function_names_the_folder_its_code_is_built_from(aws: Template) -> None:
    # GIVEN the aws profile's template (every function, the warehouse ETL too)
    # WHEN each function's metadata is read
    folders = {lid: r["Metadata"].get(SOURCE_METADATA) for lid, r in _functions(aws).items()}

    # THEN each names its own handler folder under lambdas/ (how `ticketflow push` knows what to rebuild)
    assert sorted(folders.values()) == sorted(p.parent.name for p in LAMBDAS_DIR.glob("*/handler.py"))


def test_aws_functions_are_unreserved(aws: Template) -> None:
    # GIVEN / WHEN / THEN
    for logical_id, function in _functions(aws).items():
        if not logical_id.startswith(WAREHOUSE_FUNCTION):
            assert "ReservedConcurrentExecutions" not in function["Properties"], logical_id


def test_functions_get_what_they_read_from_the_environment(local: Template) -> None:
    # GIVEN / WHEN each function's variables
    trigger = _function(local, TRIGGER_FUNCTION)["Environment"]["Variables"]
    writer = _function(local, "StorageS3Writer")["Environment"]["Variables"]
    triage = _function(local, "EnrichmentGenerateResponse")["Environment"]["Variables"]

    # THEN the names composition.py requires are set to the stack's resources
    assert trigger["STATE_MACHINE_ARN"] == {"Ref": _logical_id(local, "AWS::StepFunctions::StateMachine")}
    assert trigger["TABLE_NAME"] == {"Ref": _logical_id(local, "AWS::DynamoDB::GlobalTable")}
    assert trigger["DEAD_LETTER_QUEUE_URL"] == {"Ref": _logical_id(local, "AWS::SQS::Queue")}
    assert trigger["BUCKET_NAME"] == {"Ref": _logical_id(local, "AWS::S3::Bucket")}
    assert writer["BUCKET_NAME"] == {"Ref": _logical_id(local, "AWS::S3::Bucket")}
    assert triage["BEDROCK_MODEL_ID"] == Settings().bedrock_model_id


@pytest.mark.parametrize(("profile", "policy"), [("local", "Delete"), ("aws", "Retain")])
def test_data_is_kept_on_aws_and_dropped_locally(
    profile: str, policy: str, request: pytest.FixtureRequest
) -> None:
    # GIVEN the profile's template
    template: Template = request.getfixturevalue(profile)

    # WHEN / THEN table, bucket and stream follow the profile's removal policy
    for resource_type in ("AWS::DynamoDB::GlobalTable", "AWS::S3::Bucket", "AWS::Kinesis::Stream"):
        template.has_resource(resource_type, {"DeletionPolicy": policy})


def test_outputs_are_the_ones_clients_resolve(local: Template) -> None:
    # GIVEN the template's outputs
    outputs = local.to_json()["Outputs"]

    # WHEN / THEN exactly StackOutputs' keys, each referring to its resource
    assert set(outputs) == set(StackOutputs.keys())
    assert outputs["StreamName"]["Value"] == {"Ref": _logical_id(local, "AWS::Kinesis::Stream")}
    assert outputs["TableName"]["Value"] == {"Ref": _logical_id(local, "AWS::DynamoDB::GlobalTable")}
    assert outputs["BucketName"]["Value"] == {"Ref": _logical_id(local, "AWS::S3::Bucket")}
    assert outputs["TopicArn"]["Value"] == {"Ref": _logical_id(local, "AWS::SNS::Topic")}
    assert outputs["StateMachineArn"]["Value"] == {
        "Ref": _logical_id(local, "AWS::StepFunctions::StateMachine")
    }
    assert outputs["TriggerFunctionName"]["Value"]["Ref"].startswith(TRIGGER_FUNCTION)
    assert outputs["FailureAlarmName"]["Value"] == {"Ref": _alarm(local, metrics.TICKETS_FAILED)}
    assert outputs["DeadLetterQueueUrl"]["Value"] == {"Ref": _logical_id(local, "AWS::SQS::Queue")}


def _statements(template: Template) -> list[tuple[str, Mapping[str, Any]]]:
    """Every IAM policy statement of the template, with the logical id of its policy."""
    return [
        (logical_id, statement)
        for logical_id, policy in template.find_resources("AWS::IAM::Policy").items()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _actions(statement: Mapping[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


@pytest.mark.parametrize("profile", ["local", "aws"])
def test_the_dead_letter_queue_is_encrypted_tls_only_and_kept_two_weeks(
    profile: str, request: pytest.FixtureRequest
) -> None:
    # GIVEN the profile's template
    template: Template = request.getfixturevalue(profile)
    queue = _logical_id(template, "AWS::SQS::Queue")

    # WHEN / THEN encrypted at rest (SQS managed), 14 days' retention, and no request without TLS
    template.has_resource_properties(
        "AWS::SQS::Queue", {"SqsManagedSseEnabled": True, "MessageRetentionPeriod": 14 * 24 * 3600}
    )
    template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "Queues": [{"Ref": queue}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                                "Resource": {"Fn::GetAtt": [queue, "Arn"]},
                            }
                        )
                    ]
                )
            },
        },
    )


def test_the_mapping_sends_what_it_gives_up_on_to_the_dead_letter_queue(local: Template) -> None:
    # GIVEN the queue
    queue = _logical_id(local, "AWS::SQS::Queue")

    # WHEN / THEN a batch that still fails after five retries is recorded in the same queue
    local.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": [queue, "Arn"]}}},
            "MaximumRetryAttempts": 5,
        },
    )


def test_only_the_trigger_may_send_to_the_dead_letter_queue(local: Template) -> None:
    # GIVEN the queue and every statement that names it
    queue_arn = {"Fn::GetAtt": [_logical_id(local, "AWS::SQS::Queue"), "Arn"]}
    naming = [(lid, st) for lid, st in _statements(local) if st["Resource"] == queue_arn]

    # WHEN / THEN one statement, on the trigger's role, allowing it to send (and nothing to receive or delete)
    [(policy, statement)] = naming
    assert policy.startswith(TRIGGER_FUNCTION)
    assert "sqs:SendMessage" in _actions(statement)
    assert not [a for a in _actions(statement) if a in {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:*"}]


@pytest.mark.parametrize("profile", ["local", "aws"])
def test_put_metric_data_is_allowed_only_in_the_pipelines_namespace(
    profile: str, request: pytest.FixtureRequest
) -> None:
    # GIVEN every statement that allows PutMetricData
    template: Template = request.getfixturevalue(profile)
    allowing = [(lid, st) for lid, st in _statements(template) if "cloudwatch:PutMetricData" in _actions(st)]

    # WHEN / THEN one, the state machine's, conditioned on the Ticketflow namespace and nothing broader
    [(policy, statement)] = allowing
    assert policy.startswith("OrchestrationTicketFlowRole")
    assert statement["Effect"] == "Allow"
    assert _actions(statement) == ["cloudwatch:PutMetricData"]
    assert statement["Condition"] == {"StringEquals": {"cloudwatch:namespace": metrics.NAMESPACE}}
    assert not [lid for lid, st in _statements(template) if "cloudwatch:*" in _actions(st)]


def test_the_trigger_may_record_and_read_tickets(local: Template) -> None:
    # GIVEN the table
    table_arn = {"Fn::GetAtt": [_logical_id(local, "AWS::DynamoDB::GlobalTable"), "Arn"]}

    # WHEN the trigger's statements on it are collected
    actions = {
        action
        for lid, st in _statements(local)
        if lid.startswith(TRIGGER_FUNCTION)
        and table_arn in (st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]])
        for action in _actions(st)
    }

    # THEN the conditional puts (RECEIVED, REJECTED, duplicates), the read that tells re-deliveries apart and
    # admission's read of its in-flight tickets' statuses
    assert {"dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:BatchGetItem"} <= actions
    assert not [a for a in actions if a in {"dynamodb:DeleteItem", "dynamodb:*"}]


def test_only_the_trigger_puts_and_only_the_writer_reads_long_descriptions(local: Template) -> None:
    # GIVEN every statement on objects under descriptions/ of the archive bucket
    naming = [
        (lid, _actions(st))
        for lid, st in _statements(local)
        if f'"/{carriage.PREFIX}*"' in json.dumps(st["Resource"])
    ]

    # WHEN / THEN the trigger may put them and the archive writer read them, nothing more and nobody else
    assert [(lid.split("Role")[0], actions) for lid, actions in sorted(naming)] == [
        (TRIGGER_FUNCTION, ["s3:PutObject"]),
        ("StorageS3Writer", ["s3:GetObject"]),
    ]


def test_only_the_trigger_puts_the_records_of_large_dead_letters(local: Template) -> None:
    # GIVEN every statement that names objects under dead-letters/ of the archive bucket
    naming = [
        (lid, _actions(st))
        for lid, st in _statements(local)
        if f'"/{dead_letters.PREFIX}*"' in json.dumps(st["Resource"])
    ]

    # WHEN / THEN the trigger may put them, nothing more and nobody else (the operator reads them with their
    # own credentials: `ticketflow dlq replay`)
    assert [(lid.split("Role")[0], actions) for lid, actions in naming] == [
        (TRIGGER_FUNCTION, ["s3:PutObject"])
    ]


@pytest.mark.parametrize(("profile", "versioned"), [("local", False), ("aws", True)])
def test_the_records_of_large_dead_letters_expire_after_every_letter_that_names_them(
    profile: str, versioned: bool, request: pytest.FixtureRequest
) -> None:
    # GIVEN the profile's template
    template: Template = request.getfixturevalue(profile)

    # WHEN / THEN the archive bucket expires dead-letters/ a day after the queue drops a letter (14 days), and
    # on AWS, where the bucket is versioned, the version left behind a day later; no other prefix expires
    rule: dict[str, object] = {
        "Prefix": dead_letters.PREFIX,
        "ExpirationInDays": dead_letters.RETENTION_DAYS + 1,
        "Status": "Enabled",
    }
    if versioned:
        rule["NoncurrentVersionExpiration"] = {"NoncurrentDays": 1}
    [bucket] = template.find_resources(
        "AWS::S3::Bucket", {"Properties": {"LifecycleConfiguration": {}}}
    ).values()
    assert bucket["Properties"]["LifecycleConfiguration"] == {"Rules": [rule]}
    assert bool(bucket["Properties"].get("VersioningConfiguration")) is versioned


def test_synthesis_leaves_the_repositorys_build_folder_alone(
    local: Template, aws: Template, build_dir_before: set[str]
) -> None:
    # GIVEN both templates synthesized from a shared-code folder outside the repository
    # WHEN the repository's build folder is listed again
    after = _build_dir_listing()

    # THEN the function assets were built elsewhere: a test never replaces a developer's (or a deploy's) build
    assert after == build_dir_before


def test_the_warehouse_etl_runs_on_aws_only(local: Template, aws: Template) -> None:
    # GIVEN both profiles' templates
    # WHEN the warehouse ETL function and the rules are looked up
    aws_etl = [lid for lid in _functions(aws) if lid.startswith(WAREHOUSE_FUNCTION)]
    local_etl = [lid for lid in _functions(local) if lid.startswith(WAREHOUSE_FUNCTION)]

    # THEN aws has the function, one at a time for 15 minutes at most, on a rule every two hours, with its
    # outputs; local has neither the function nor a rule nor the outputs
    assert len(aws_etl) == 1
    etl = _function(aws, WAREHOUSE_FUNCTION)
    assert etl["ReservedConcurrentExecutions"] == 1
    assert etl["Timeout"] == 900
    aws.has_resource_properties(
        "AWS::Events::Rule",
        {
            "ScheduleExpression": "rate(2 hours)",
            "Targets": [Match.object_like({"Arn": {"Fn::GetAtt": [aws_etl[0], "Arn"]}})],
        },
    )
    assert {"WarehouseSecretArn", "WarehouseEtlFunctionName"} <= set(aws.to_json()["Outputs"])
    assert local_etl == []
    local.resource_count_is("AWS::Events::Rule", 0)
    local.resource_count_is("AWS::SecretsManager::Secret", 0)
    assert not [key for key in local.to_json()["Outputs"] if key.startswith("Warehouse")]

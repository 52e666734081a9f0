"""SDK calls to the IAM requests AWS authorises them as: the stack's calls, and AWS's exceptions to
`prefix:Operation` (Service Authorization Reference; DynamoDB Developer Guide on transactions)."""

from __future__ import annotations

from typing import Any

import pytest

from ticketflow_parity.iam.actions import Intent, Target, UnmappedCallError, intents

TARGET = Target("us-east-1", "000000000000")
BEDROCK = "arn:aws:bedrock:us-east-1"
NOVA = "amazon.nova-pro-v1:0"


def pairs(service: str, operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    return [(i.action, i.resource) for i in intents(service, operation, params, TARGET)]


@pytest.mark.parametrize(
    ("service", "operation", "params", "expected"),
    [
        ("stepfunctions", "StartExecution", {"stateMachineArn": "arn:aws:states:us-east-1:0:stateMachine:m"},
         [("states:StartExecution", "arn:aws:states:us-east-1:0:stateMachine:m")]),
        ("lambda", "Invoke", {"FunctionName": "f"},
         [("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:000000000000:function:f")]),
        ("lambda", "Invoke", {"FunctionName": "arn:aws:lambda:us-east-1:1:function:f", "Qualifier": "live"},
         [("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:1:function:f:live")]),
        ("s3", "HeadObject", {"Bucket": "b", "Key": "k/1"}, [("s3:GetObject", "arn:aws:s3:::b/k/1")]),
        ("s3", "ListObjectsV2", {"Bucket": "b", "Prefix": "tickets/"}, [("s3:ListBucket", "arn:aws:s3:::b")]),
        ("s3", "PutObject", {"Bucket": "b", "Key": "tickets/t.json"},
         [("s3:PutObject", "arn:aws:s3:::b/tickets/t.json")]),
        ("s3", "DeleteObjects", {"Bucket": "b", "Delete": {"Objects": [{"Key": "a"}, {"Key": "c"}]}},
         [("s3:DeleteObject", "arn:aws:s3:::b/a"), ("s3:DeleteObject", "arn:aws:s3:::b/c")]),
        ("sns", "PublishBatch", {"TopicArn": "arn:aws:sns:us-east-1:0:t", "PublishBatchRequestEntries": []},
         [("sns:Publish", "arn:aws:sns:us-east-1:0:t")]),
        ("sqs", "SendMessage", {"QueueUrl": "http://localhost:4566/000000000000/dlq", "MessageBody": "x"},
         [("sqs:SendMessage", "arn:aws:sqs:us-east-1:000000000000:dlq")]),
        ("sqs", "SendMessageBatch", {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/1/q", "Entries": []},
         [("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q")]),
        ("dynamodb", "BatchGetItem", {"RequestItems": {"t": {"Keys": []}}},
         [("dynamodb:BatchGetItem", "arn:aws:dynamodb:us-east-1:000000000000:table/t")]),
        ("dynamodb", "Query", {"TableName": "t", "IndexName": "by-status"},
         [("dynamodb:Query", "arn:aws:dynamodb:us-east-1:000000000000:table/t/index/by-status")]),
        ("kinesis", "PutRecords", {"StreamName": "s", "Records": []},
         [("kinesis:PutRecords", "arn:aws:kinesis:us-east-1:000000000000:stream/s")]),
        ("comprehend", "DetectSentiment", {"Text": "x", "LanguageCode": "en"},
         [("comprehend:DetectSentiment", "*")]),
        ("bedrock-runtime", "Converse", {"modelId": "amazon.nova-pro-v1:0", "messages": []},
         [("bedrock:InvokeModel", "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0")]),
        ("bedrock-runtime", "ConverseStream", {"modelId": "us.amazon.nova-pro-v1:0", "messages": []},
         [("bedrock:InvokeModelWithResponseStream", f"{BEDROCK}:000000000000:inference-profile/us.{NOVA}"),
          ("bedrock:InvokeModelWithResponseStream", f"{BEDROCK}::foundation-model/{NOVA}")]),
        ("sts", "GetCallerIdentity", {}, []),
    ],
)  # fmt: skip
def test_a_call_is_the_requests_aws_authorises(
    service: str, operation: str, params: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    # GIVEN / WHEN the call's requests / THEN as AWS authorises it
    assert pairs(service, operation, params) == expected


def test_a_transaction_is_authorised_item_by_item_as_each_items_own_action() -> None:
    # GIVEN the trigger's RECEIVED transaction shape, with a condition check
    items = [
        {"Put": {"TableName": "t", "Item": {}}},
        {"ConditionCheck": {"TableName": "t", "Key": {}, "ConditionExpression": "x"}},
        {"Update": {"TableName": "u", "Key": {}, "UpdateExpression": "SET a = :a"}},
    ]
    # WHEN
    found = intents("dynamodb", "TransactWriteItems", {"TransactItems": items}, TARGET)
    # THEN PutItem, ConditionCheckItem, UpdateItem, each with its table and dynamodb:EnclosingOperation
    assert [(i.action, i.resource.rsplit("/", 1)[-1]) for i in found] == [
        ("dynamodb:PutItem", "t"),
        ("dynamodb:ConditionCheckItem", "t"),
        ("dynamodb:UpdateItem", "u"),
    ]
    assert {i.context["dynamodb:enclosingoperation"] for i in found} == {"TransactWriteItems"}


def test_condition_keys_come_from_the_call_or_are_known_absent() -> None:
    # GIVEN PutMetricData and a PutObject without server-side encryption parameters
    metric = intents("cloudwatch", "PutMetricData", {"Namespace": "Ticketflow", "MetricData": []}, TARGET)
    put = intents("s3", "PutObject", {"Bucket": "b", "Key": "k"}, TARGET)
    # WHEN / THEN the namespace is the request's, the encryption header known absent, the Region set
    assert metric == [
        Intent(
            "cloudwatch:PutMetricData",
            "*",
            {"cloudwatch:namespace": "Ticketflow", "aws:requestedregion": "us-east-1"},
        )
    ]
    assert put[0].context["s3:x-amz-server-side-encryption"] is None


def test_a_call_without_a_mapping_is_never_let_through() -> None:
    # GIVEN a service the check does not map / a secret named by name (its ARN is not known here)
    # WHEN / THEN both raise, naming the call
    with pytest.raises(UnmappedCallError, match=r"ec2\.RunInstances"):
        intents("ec2", "RunInstances", {}, TARGET)
    with pytest.raises(UnmappedCallError, match="SecretId by name"):
        intents("secretsmanager", "GetSecretValue", {"SecretId": "warehouse"}, TARGET)

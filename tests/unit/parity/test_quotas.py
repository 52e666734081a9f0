"""Each documented quota the models do not carry: at the limit AWS takes the request, one past it AWS refuses
it, with its error code and message."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.parity.checked_calls import checked_client, error, refused, verdict
from ticketflow_parity.checks import Refusal

MACHINE = "arn:aws:states:us-east-1:000000000000:stateMachine:m"
MiB = 1_048_576


def refusal_of(service: str, operation: str, **params: Any) -> Refusal:
    found = verdict(service, operation, **params)
    assert found is not None, "AWS refuses this request"
    return found


# --- Step Functions -------------------------------------------------------------------------------------
def test_an_execution_input_is_counted_in_utf8_bytes() -> None:
    # GIVEN inputs of 262,144 bytes (fewer characters: 'é' takes two) and one byte more
    at_limit, past = "é" * 131_072, "é" * 131_072 + "x"

    # WHEN / THEN the first is taken, the second refused without its value
    assert verdict("stepfunctions", "StartExecution", stateMachineArn=MACHINE, input=at_limit) is None
    assert refusal_of("stepfunctions", "StartExecution", stateMachineArn=MACHINE, input=past).message == (
        "1 validation error detected: Value at 'input' failed to satisfy constraint: "
        "Member must have length less than or equal to 262144"
    )


@pytest.mark.parametrize("name", ["a b", "a/b", "a:b", "a{b", "a*b", "tab\t", "ctl\x01", "c1\x85", 'quote"'])
def test_an_execution_name_without_the_characters_aws_forbids(name: str) -> None:
    # GIVEN a client / WHEN it names an execution with a forbidden character / THEN InvalidName
    sfn = checked_client("stepfunctions")
    with pytest.raises(sfn.exceptions.InvalidName) as raised:
        sfn.start_execution(stateMachineArn=MACHINE, name=name)
    assert error(raised.value) == ("InvalidName", f"Invalid Name: '{name}'")


def test_a_ticket_shaped_execution_name_is_taken() -> None:
    assert (
        verdict("stepfunctions", "StartExecution", stateMachineArn=MACHINE, name="TKT-20250115-0042") is None
    )


# --- Kinesis --------------------------------------------------------------------------------------------
def test_a_record_counts_its_data_and_partition_key() -> None:
    # GIVEN a record of exactly 1 MiB with its key, and one a byte over
    at_limit = {"Data": b"d" * (MiB - 3), "PartitionKey": "key"}
    past = {"Data": b"d" * (MiB - 2), "PartitionKey": "key"}

    # WHEN / THEN
    assert verdict("kinesis", "PutRecord", StreamName="s", **at_limit) is None
    assert refusal_of("kinesis", "PutRecord", StreamName="s", **past).message == (
        f"1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim={MiB - 2} cap={MiB - 2}]' "
        f"at 'data' failed to satisfy constraint: Member must have length less than or equal to {MiB}"
    )
    assert refusal_of("kinesis", "PutRecords", StreamName="s", Records=[at_limit, past]).message == (
        f"1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim={MiB - 2} cap={MiB - 2}]' "
        f"at 'records.2.member.data' failed to satisfy constraint: Member must have length less than or "
        f"equal to {MiB}"
    )


def test_a_put_records_request_within_10_mib() -> None:
    # GIVEN ten records of 1 MiB (10 MiB), and eleven
    record = {"Data": b"d" * (MiB - 1), "PartitionKey": "k"}

    # WHEN / THEN
    assert verdict("kinesis", "PutRecords", StreamName="s", Records=[record] * 10) is None
    refusal = refusal_of("kinesis", "PutRecords", StreamName="s", Records=[record] * 11)
    assert (refusal.code, refusal.message) == ("InvalidArgumentException", "Records size exceeds 10 MB limit")


# --- DynamoDB -------------------------------------------------------------------------------------------
def test_an_item_within_400_kb_by_dynamodbs_size_rules() -> None:
    # GIVEN an item of 409,600 bytes (name 2 bytes + value) and one a byte over
    at_limit = {"id": {"S": "x" * 409_598}}
    past = {"id": {"S": "x" * 409_599}}

    # WHEN / THEN
    assert verdict("dynamodb", "PutItem", TableName="t", Item=at_limit) is None
    raised = refused("dynamodb", "put_item", TableName="t", Item=past)
    assert error(raised) == ("ValidationException", "Item size has exceeded the maximum allowed size")


def test_a_string_key_within_2048_bytes_and_a_number_key_never_too_long() -> None:
    # GIVEN keys of 2,048 and 2,049 bytes, and a long number
    # WHEN / THEN
    assert verdict("dynamodb", "GetItem", TableName="t", Key={"id": {"S": "k" * 2048}}) is None
    assert verdict("dynamodb", "GetItem", TableName="t", Key={"id": {"N": "9" * 38}}) is None
    assert refusal_of("dynamodb", "GetItem", TableName="t", Key={"id": {"S": "k" * 2049}}).message == (
        "One or more parameter values were invalid: "
        "Size of hashkey has exceeded the maximum size limit of2048 bytes"
    )


def test_a_transaction_with_a_too_large_item_is_cancelled_naming_it() -> None:
    # GIVEN a transaction whose second put is over 400 KB
    small = {"Put": {"TableName": "t", "Item": {"id": {"S": "a"}}}}
    large = {"Put": {"TableName": "t", "Item": {"id": {"S": "x" * 409_600}}}}
    dynamodb = checked_client("dynamodb")

    # WHEN it is sent
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException) as raised:
        dynamodb.transact_write_items(TransactItems=[small, large])

    # THEN it is cancelled as AWS cancels it, the reasons naming the item
    assert raised.value.response["CancellationReasons"] == [
        {"Code": "None"},
        {"Code": "ValidationError", "Message": "Item size has exceeded the maximum allowed size"},
    ]
    assert error(raised.value)[1] == (
        "Transaction cancelled, please refer cancellation reasons for specific reasons "
        "[None, ValidationError]"
    )


def test_a_transaction_within_4_mb() -> None:
    # GIVEN ten puts of 400 KB (4,096,000 bytes, under 4 MiB) and eleven
    put = {"Put": {"TableName": "t", "Item": {"id": {"S": "x" * 409_598}}}}

    # WHEN / THEN
    assert verdict("dynamodb", "TransactWriteItems", TransactItems=[put] * 10) is None
    assert (
        refusal_of("dynamodb", "TransactWriteItems", TransactItems=[put] * 11).code == "ValidationException"
    )


def test_a_batch_write_within_25_requests_across_its_tables() -> None:
    # GIVEN 25 writes over two tables, 26, and one write of an item over 400 KB
    write = {"PutRequest": {"Item": {"id": {"S": "a"}}}}
    large = {"PutRequest": {"Item": {"id": {"S": "x" * 409_599}}}}

    # WHEN / THEN
    assert verdict("dynamodb", "BatchWriteItem", RequestItems={"a": [write] * 12, "b": [write] * 13}) is None
    assert refusal_of(
        "dynamodb", "BatchWriteItem", RequestItems={"a": [write] * 13, "b": [write] * 13}
    ).message == ("Too many items requested for the BatchWriteItem call")
    assert refusal_of("dynamodb", "BatchWriteItem", RequestItems={"a": [large]}).message == (
        "Item size has exceeded the maximum allowed size"
    )


# --- SNS ------------------------------------------------------------------------------------------------
TOPIC = "arn:aws:sns:us-east-1:000000000000:t"


def test_a_message_and_its_attributes_within_256_kib() -> None:
    # GIVEN a message of 262,144 bytes, then one whose attribute takes it a byte over
    attribute = {"k": {"DataType": "String", "StringValue": "v"}}  # 1 + 6 + 1 bytes

    # WHEN / THEN
    assert verdict("sns", "Publish", TopicArn=TOPIC, Message="m" * 262_144) is None
    sns = checked_client("sns")
    with pytest.raises(sns.exceptions.InvalidParameterException) as raised:
        sns.publish(TopicArn=TOPIC, Message="m" * 262_137, MessageAttributes=attribute)
    assert error(raised.value) == ("InvalidParameter", "Invalid parameter: Message too long")


@pytest.mark.parametrize("subject", ["s" * 100, "two\nlines", " leading space", "ünïcode", ""])
def test_a_subject_by_awss_rules(subject: str) -> None:
    # GIVEN / WHEN a subject of 100 characters, a line break, a leading space, non-ASCII, or empty
    refusal = refusal_of("sns", "Publish", TopicArn=TOPIC, Message="m", Subject=subject)

    # THEN
    assert (refusal.code, refusal.message) == ("InvalidParameter", "Invalid parameter: Subject")


def test_a_subject_of_99_printable_ascii_characters_is_taken() -> None:
    assert verdict("sns", "Publish", TopicArn=TOPIC, Message="m", Subject="[HIGH] " + "s" * 92) is None


# --- SQS ------------------------------------------------------------------------------------------------
QUEUE = "http://127.0.0.1:9/000000000000/q"


def test_a_message_within_1_mib() -> None:
    # GIVEN / WHEN / THEN a body of 1 MiB is taken, one byte more refused
    assert verdict("sqs", "SendMessage", QueueUrl=QUEUE, MessageBody="b" * MiB) is None
    refusal = refusal_of("sqs", "SendMessage", QueueUrl=QUEUE, MessageBody="b" * (MiB + 1))
    assert (refusal.code, refusal.message) == (
        "InvalidParameterValue",
        "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.",
    )


def test_a_message_body_of_characters_sqs_allows() -> None:
    # GIVEN / WHEN a body with a NUL / THEN InvalidMessageContents naming it
    refusal = refusal_of("sqs", "SendMessage", QueueUrl=QUEUE, MessageBody="a\x00b")
    assert refusal.code == "InvalidMessageContents"
    assert refusal.message.startswith("Invalid binary character '#x0' was found in the message body")


# --- Comprehend -----------------------------------------------------------------------------------------
def test_a_document_within_5000_utf8_bytes() -> None:
    # GIVEN 5,000 bytes, 5,001 bytes, and 2,501 two-byte characters (5,002 bytes)
    # WHEN / THEN
    assert verdict("comprehend", "DetectSentiment", Text="x" * 5000, LanguageCode="en") is None
    comprehend = checked_client("comprehend")
    for text, size in (("x" * 5001, 5001), ("ü" * 2501, 5002)):
        with pytest.raises(comprehend.exceptions.TextSizeLimitExceededException) as raised:
            comprehend.detect_sentiment(Text=text, LanguageCode="en")
        assert error(raised.value)[1] == (
            "Input text size exceeds limit. Max length of request text allowed is 5000 bytes while in this "
            f"request the text size is {size} bytes"
        )


def test_a_batch_within_25_documents() -> None:
    refusal = refusal_of("comprehend", "BatchDetectSentiment", TextList=["x"] * 26, LanguageCode="en")
    assert refusal.code == "BatchSizeLimitExceededException"


# --- Lambda ---------------------------------------------------------------------------------------------
def test_an_invocation_payload_within_6_mb_sync_and_1_mib_async() -> None:
    # GIVEN / WHEN / THEN
    assert verdict("lambda", "Invoke", FunctionName="f", Payload=b"p" * 6_291_456) is None
    raised = refused("lambda", "invoke", FunctionName="f", Payload=b"p" * 6_291_457)
    assert error(raised) == (
        "RequestEntityTooLargeException",
        "Request must be smaller than 6291456 bytes for the InvokeFunction operation",
    )
    assert raised.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert verdict("lambda", "Invoke", FunctionName="f", InvocationType="Event", Payload=b"p" * MiB) is None
    event = refusal_of("lambda", "Invoke", FunctionName="f", InvocationType="Event", Payload=b"p" * (MiB + 1))
    assert event.message == (
        f"{MiB + 1} byte payload is too large for the Event invocation type (limit {MiB} bytes)"
    )


# --- S3 -------------------------------------------------------------------------------------------------
def test_a_key_within_1024_utf8_bytes_on_every_operation() -> None:
    # GIVEN a key of 1,024 bytes in two-byte characters, and one of 1,025 bytes
    at_limit, past = "é" * 512, "é" * 512 + "x"

    # WHEN / THEN
    assert verdict("s3", "PutObject", Bucket="b", Key=at_limit, Body=b"") is None
    assert error(refused("s3", "put_object", Bucket="b", Key=past, Body=b"")) == (
        "KeyTooLongError",
        "Your key is too long",
    )
    assert refusal_of("s3", "GetObject", Bucket="b", Key=past).code == "KeyTooLongError"


def test_user_metadata_within_2_kb() -> None:
    # GIVEN metadata of 2,048 bytes (keys and values) and one byte over
    # WHEN / THEN
    assert verdict("s3", "PutObject", Bucket="b", Key="k", Metadata={"a": "v" * 2047}) is None
    refusal = refusal_of("s3", "PutObject", Bucket="b", Key="k", Metadata={"a": "v" * 2048})
    assert (refusal.code, refusal.message) == (
        "MetadataTooLarge",
        "Your metadata headers exceed the maximum allowed metadata size",
    )


# --- CloudWatch -----------------------------------------------------------------------------------------
def test_put_metric_data_within_1000_metrics() -> None:
    metric = {"MetricName": "m", "Value": 1.0}
    assert verdict("cloudwatch", "PutMetricData", Namespace="n", MetricData=[metric] * 1000) is None
    refusal = refusal_of("cloudwatch", "PutMetricData", Namespace="n", MetricData=[metric] * 1001)
    assert (refusal.code, refusal.message) == (
        "InvalidParameterValue",
        "The collection MetricData must not have a size greater than 1000.",
    )

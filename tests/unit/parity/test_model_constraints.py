"""The service models' constraints, refused as AWS refuses them, in AWS's words; what botocore refuses
itself is left to it."""

from __future__ import annotations

import pytest
from botocore.exceptions import ParamValidationError

from tests.unit.parity.checked_calls import checked_client, error, refused, verdict

MACHINE = "arn:aws:states:us-east-1:000000000000:stateMachine:m"


def test_a_string_over_its_max_is_refused_with_its_value_and_awss_path() -> None:
    # GIVEN a client of a local endpoint
    sfn = checked_client("stepfunctions")

    # WHEN it names an execution with 81 characters (the model: 1-80)
    with pytest.raises(sfn.exceptions.ValidationException) as refusal:
        sfn.start_execution(stateMachineArn=MACHINE, name="n" * 81)
    raised = refusal.value

    # THEN AWS's ValidationException, word for word, raised as the client's modeled class
    assert error(raised) == (
        "ValidationException",
        f"1 validation error detected: Value '{'n' * 81}' at 'name' failed to satisfy constraint: "
        "Member must have length less than or equal to 80",
    )


def test_a_sensitive_member_is_never_echoed() -> None:
    # GIVEN / WHEN an execution input longer than the model's 262,144 characters (the input is sensitive)
    raised = refused("stepfunctions", "start_execution", stateMachineArn=MACHINE, input="x" * 262_145)

    # THEN the message names the member but not its value
    assert error(raised)[1] == (
        "1 validation error detected: Value at 'input' failed to satisfy constraint: "
        "Member must have length less than or equal to 262144"
    )


def test_a_pattern_is_the_models_own_text() -> None:
    # GIVEN / WHEN a stream name outside the model's pattern
    refusal = verdict("kinesis", "PutRecord", StreamName="bad name!", Data=b"x", PartitionKey="k")

    # THEN
    assert refusal is not None
    assert refusal.message == (
        "1 validation error detected: Value 'bad name!' at 'streamName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
    )


def test_an_enum_lists_its_values() -> None:
    # GIVEN / WHEN an unknown ReturnConsumedCapacity
    refusal = verdict(
        "dynamodb", "GetItem", TableName="t", Key={"id": {"S": "a"}}, ReturnConsumedCapacity="ALL"
    )

    # THEN
    assert refusal is not None
    assert refusal.message == (
        "1 validation error detected: Value 'ALL' at 'returnConsumedCapacity' failed to satisfy constraint: "
        "Member must satisfy enum value set: [INDEXES, TOTAL, NONE]"
    )


def test_a_member_inside_a_list_is_named_by_its_one_based_position() -> None:
    # GIVEN / WHEN the second record's partition key is 257 characters (the model: 1-256)
    records = [{"Data": b"a", "PartitionKey": "k"}, {"Data": b"b", "PartitionKey": "p" * 257}]
    refusal = verdict("kinesis", "PutRecords", StreamName="s", Records=records)

    # THEN
    assert refusal is not None
    assert refusal.message == (
        f"1 validation error detected: Value '{'p' * 257}' at 'records.2.member.partitionKey' failed to "
        "satisfy constraint: Member must have length less than or equal to 256"
    )


def test_a_list_over_its_max_is_refused() -> None:
    # GIVEN / WHEN a transaction of 101 actions (the model: 1-100)
    action = {"ConditionCheck": {"TableName": "t", "Key": {"id": {"S": "a"}}, "ConditionExpression": "a"}}
    refusal = verdict("dynamodb", "TransactWriteItems", TransactItems=[action] * 101)

    # THEN
    assert refusal is not None
    assert refusal.message.startswith("1 validation error detected: Value '[{ConditionCheck={")
    assert refusal.message.endswith(
        "at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100"
    )


def test_a_maps_keys_and_values_are_reported_as_the_maps_own() -> None:
    # GIVEN / WHEN an attribute name of 65,536 characters (the model: at most 65,535)
    refusal = verdict("dynamodb", "PutItem", TableName="t", Item={"n" * 65_536: {"S": "v"}})

    # THEN the whole map is shown, with every constraint of its keys
    assert refusal is not None
    assert refusal.message == (
        f"1 validation error detected: Value '{{{'n' * 65_536}={{S=v}}}}' at 'item' failed to satisfy "
        "constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 65535]"
    )


def test_a_list_valued_maps_lengths_are_the_maps_value_constraint() -> None:
    # GIVEN / WHEN 26 writes for one table (the model: 1-25 a table)
    writes = [{"PutRequest": {"Item": {"id": {"S": str(n)}}}} for n in range(26)]
    refusal = verdict("dynamodb", "BatchWriteItem", RequestItems={"t": writes})

    # THEN one error, at the map, listing the value's constraints as AWS does
    assert refusal is not None
    assert refusal.message.startswith(
        "1 validation error detected: Value '{t=[{PutRequest={Item={id={S=0}}}}"
    )
    assert refusal.message.endswith(
        "at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: "
        "[Member must have length less than or equal to 25, "
        "Member must have length greater than or equal to 1]"
    )


def test_a_maps_min_is_checked_as_botocore_does_not() -> None:
    # GIVEN / WHEN a batch write of no tables
    refusal = verdict("dynamodb", "BatchWriteItem", RequestItems={})

    # THEN
    assert refusal is not None
    assert refusal.message == (
        "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )


def test_a_number_over_its_max() -> None:
    # GIVEN / WHEN GetRecords asks for 10,001 records (the model: 1-10,000)
    refusal = verdict("kinesis", "GetRecords", ShardIterator="i", Limit=10_001)

    # THEN
    assert refusal is not None
    assert refusal.message == (
        "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: "
        "Member must have value less than or equal to 10000"
    )


def test_a_blobs_bounds_are_its_bytes() -> None:
    # GIVEN / WHEN an empty plaintext and one of 4,097 bytes (the model: 1-4,096; sensitive)
    empty = verdict("kms", "Encrypt", KeyId="k", Plaintext=b"")
    large = verdict("kms", "Encrypt", KeyId="k", Plaintext=b"p" * 4097)

    # THEN both are refused, the value never shown
    assert empty is not None
    assert empty.message.endswith("Value at 'plaintext' failed to satisfy constraint: "
                                  "Member must have length greater than or equal to 1")  # fmt: skip
    assert large is not None
    assert large.message.endswith("Member must have length less than or equal to 4096")


def test_every_violation_is_counted_and_joined() -> None:
    # GIVEN / WHEN a role name that is both too long and outside its pattern
    refusal = verdict("iam", "CreateRole", RoleName="r " * 40, AssumeRolePolicyDocument="{}")

    # THEN both errors, and the query protocol's code
    assert refusal is not None
    assert refusal.code == "ValidationError"
    assert refusal.message == (
        f"2 validation errors detected: Value '{'r ' * 40}' at 'roleName' failed to satisfy constraint: "
        f"Member must have length less than or equal to 64; Value '{'r ' * 40}' at 'roleName' failed to "
        "satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"
    )


def test_s3_answers_a_bad_storage_class_with_its_own_error() -> None:
    # GIVEN / WHEN
    raised = refused("s3", "put_object", Bucket="b", Key="k", Body=b"", StorageClass="COLD")

    # THEN
    assert error(raised) == ("InvalidStorageClass", "The storage class you specified is not valid")


@pytest.mark.parametrize(
    "params",
    [
        {"stateMachineArn": MACHINE, "name": 80},  # a wrong type
        {"stateMachineArn": MACHINE, "name": ""},  # under the min (botocore checks it)
        {"name": "n" * 81},  # a required member missing
        {"stateMachineArn": MACHINE, "name": "n" * 81, "nmae": "typo"},  # an unknown member
    ],
    ids=["type", "min", "required", "unknown"],
)
def test_what_botocore_refuses_is_left_to_botocore(params: dict[str, object]) -> None:
    # GIVEN a request botocore's own validation refuses (some with a member AWS would refuse too)
    client = checked_client("stepfunctions")

    # WHEN / THEN botocore's error is what the caller sees, as it would be against AWS
    with pytest.raises(ParamValidationError):
        client.start_execution(**params)


def test_a_request_aws_takes_is_taken() -> None:
    # GIVEN / WHEN / THEN a valid request is left alone
    assert (
        verdict("stepfunctions", "StartExecution", stateMachineArn=MACHINE, name="TKT-1", input="{}") is None
    )


def test_a_sequence_number_the_emulator_minted_is_not_held_to_awss_pattern() -> None:
    # GIVEN a sequence number as MiniStack mints it (leading zeros: outside AWS's `0|([1-9]\d{0,128})`)
    minted = "000000017966449852000000000350"

    # WHEN a caller hands it back, as the trace does to read a ticket's record
    refusal = verdict(
        "kinesis",
        "GetShardIterator",
        StreamName="tickets",
        ShardId="shardId-000000000000",
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        StartingSequenceNumber=minted,
    )

    # THEN it is not refused (on AWS the number would be AWS's own), while its other members still are
    assert refusal is None
    assert (
        verdict(
            "kinesis",
            "GetShardIterator",
            StreamName="tickets",
            ShardId="s" * 129,
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            StartingSequenceNumber=minted,
        )
        is not None
    )

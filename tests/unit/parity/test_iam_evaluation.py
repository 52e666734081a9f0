"""The evaluator against AWS's documented examples (IAM User Guide: "Policy evaluation logic", "The
difference between explicit and implicit denies", "IAM JSON policy elements": Resource, NotAction,
NotResource, Condition, "Condition operators", "Policy variables"), each example's policy and request as the
guide gives them.
MiniStack's own evaluator gives a second opinion on some of them: tests/integration/test_iam_second_opinion.py
(it needs the emulator's venv, which the local stack installs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from ticketflow_parity.iam.conditions import ContextValue, UnmodeledKeyError
from ticketflow_parity.iam.evaluation import (
    IDENTITY_DENY,
    NO_IDENTITY_ALLOW,
    NO_RESOURCE_ALLOW,
    RESOURCE_DENY,
    Decision,
    Policy,
    Principal,
    Request,
    evaluate,
)

ACCOUNT = "123456789012"
ROLE = Principal(f"arn:aws:iam::{ACCOUNT}:role/carlossalazar", "session-1")


def policy(*statements: Mapping[str, Any], version: str = "2012-10-17") -> Policy:
    return Policy.parse("test", {"Version": version, "Statement": list(statements)})


def request(action: str, resource: str = "*", **context: ContextValue | None) -> Request:
    keys = {key.replace("__", ":").lower(): value for key, value in context.items()}
    return Request(ROLE, action, resource, keys)


def decide(
    identity: Sequence[Policy], wanted: Request, resource: Sequence[Policy] = (), *, kms: bool = False
) -> Decision:
    return evaluate(wanted, identity, resource, resource_must_allow=kms)


# --- Policy evaluation logic -------------------------------------------------------------------------------


def test_an_explicit_deny_overrides_an_allow_and_no_allow_is_an_implicit_deny() -> None:
    # GIVEN "The difference between explicit and implicit denies": AllowGetList and DenyReports
    policies = [
        policy(
            {"Sid": "AllowGetList", "Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"},
            {"Sid": "DenyReports", "Effect": "Deny", "Action": "iam:*Report", "Resource": "*"},
        )
    ]
    # WHEN / THEN a Get is allowed, a report explicitly denied, anything else implicitly denied
    assert decide(policies, request("iam:GetUser")).allowed
    assert decide(policies, request("iam:GetOrganizationsAccessReport")).reason == IDENTITY_DENY
    assert decide(policies, request("iam:CreatePolicy")).reason == NO_IDENTITY_ALLOW


def test_in_one_account_an_allow_in_either_the_identity_or_the_resource_policy_allows() -> None:
    # GIVEN "Example identity-based and resource-based policy evaluation": Carlos may list and read his
    # bucket by his own policy; the bucket's policy allows him to put objects; nothing allows a delete
    bucket = "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar-logs"
    identity = [
        policy({"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": f"{bucket}*"})
    ]
    resource = [
        policy(
            {
                "Effect": "Allow",
                "Principal": {"AWS": ROLE.role_arn},
                "Action": "s3:PutObject",
                "Resource": f"{bucket}/*",
            }
        )
    ]
    # WHEN / THEN either policy's allow is enough; neither's means an implicit deny
    assert decide(identity, request("s3:GetObject", f"{bucket}/a.log"), resource).allowed
    assert decide(identity, request("s3:PutObject", f"{bucket}/a.log"), resource).allowed
    assert not decide(identity, request("s3:DeleteObject", f"{bucket}/a.log"), resource).allowed


def test_an_explicit_deny_in_a_resource_policy_overrides_the_identity_allow() -> None:
    # GIVEN CDK's enforceSSL statement on a bucket and a role allowed to put objects
    bucket = "arn:aws:s3:::archive"
    deny_insecure = {
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "s3:*",
        "Resource": [bucket, f"{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    identity = [policy({"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"{bucket}/tickets/*"})]
    # WHEN the request is what AWS sees from an SDK (HTTPS) / one made over plain HTTP
    secure = decide(identity, request("s3:PutObject", f"{bucket}/tickets/t.json"), [policy(deny_insecure)])
    insecure_statement = {**deny_insecure, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
    # THEN HTTPS passes; the same deny matching the request denies, in a resource-based policy
    assert secure.allowed
    denied = decide(
        identity, request("s3:PutObject", f"{bucket}/tickets/t.json"), [policy(insecure_statement)]
    )
    assert denied.reason == RESOURCE_DENY


def test_a_resource_policy_naming_another_principal_or_a_service_does_not_apply() -> None:
    # GIVEN a key policy's statement for the CloudWatch service and a deny for another role
    others = [
        policy(
            {
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Effect": "Deny",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/other"},
                "Action": "*",
                "Resource": "*",
            },
        )
    ]
    identity = [policy({"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"})]
    # WHEN / THEN neither decides for this role
    assert decide(identity, request("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q"), others).allowed
    assert not decide([], request("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q"), others).allowed


def test_a_kms_key_policy_must_allow_the_account_for_iam_policies_to_count() -> None:
    # GIVEN (AWS KMS Developer Guide, "Default key policy") a role allowed GenerateDataKey by its own policy
    key = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd"
    identity = [
        policy({"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": key})
    ]
    root = policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    )
    service_only = policy(
        {
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": "kms:*",
            "Resource": "*",
        }
    )
    wanted = request("kms:GenerateDataKey", key)
    # WHEN / THEN the default key policy lets IAM decide; without it the key policy denies, whatever IAM says
    assert decide(identity, wanted, [root], kms=True).allowed
    assert decide(identity, wanted, [service_only], kms=True).reason == NO_RESOURCE_ALLOW
    assert decide([], wanted, [root], kms=True).reason == NO_IDENTITY_ALLOW


# --- Action, NotAction, Resource, NotResource ------------------------------------------------------------


def test_action_names_ignore_case_and_wildcards_match_any_characters() -> None:
    # GIVEN "IAM JSON policy elements: Action": names are not case sensitive; * and ? are wildcards
    policies = [
        policy(
            {
                "Effect": "Allow",
                "Action": ["SQS:SendMessage", "s3:Get?bject", "iam:*AccessKey*"],
                "Resource": "*",
            }
        )
    ]
    # WHEN / THEN
    assert decide(policies, request("sqs:sendmessage")).allowed
    assert decide(policies, request("s3:GetObject")).allowed
    assert not decide(policies, request("s3:GetObjectAcl")).allowed  # ? is exactly one character
    assert decide(policies, request("iam:ListAccessKeys")).allowed


def test_not_action_allows_everything_but_what_it_lists() -> None:
    # GIVEN "IAM JSON policy elements: NotAction": everything except IAM
    policies = [policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})]
    # WHEN / THEN
    assert decide(policies, request("s3:ListAllMyBuckets")).allowed
    assert not decide(policies, request("iam:CreateUser")).allowed


def test_not_resource_with_deny_denies_everything_outside_the_resources_it_lists() -> None:
    # GIVEN "IAM JSON policy elements: NotResource": deny everything outside one bucket
    bucket = "arn:aws:s3:::amzn-s3-demo-bucket"
    policies = [
        policy(
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:*", "NotResource": [bucket, f"{bucket}/*"]},
        )
    ]
    # WHEN / THEN
    assert decide(policies, request("s3:GetObject", f"{bucket}/a")).allowed
    assert decide(policies, request("s3:GetObject", "arn:aws:s3:::elsewhere/a")).reason == IDENTITY_DENY


@pytest.mark.parametrize(
    ("key", "matches"),
    [
        ("1/test/object.jpg", True),
        ("1/2/test/object.jpg", True),
        ("1/2/test/3/object.jpg", True),
        ("1/2/3/test/4/object.jpg", True),
        ("1///test///object.jpg", True),
        ("1/test/.jpg", True),
        ("/test/object.jpg", True),
        ("1/test/", True),
        ("1-test/object.jpg", False),
        ("test/object.jpg", False),
        ("1/2/test.jpg", False),
    ],
)
def test_a_resource_wildcard_matches_across_slashes_as_the_guide_lists(key: str, matches: bool) -> None:
    # GIVEN "IAM JSON policy elements: Resource", "Using wildcards in resource ARNs"
    policies = [
        policy(
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*/test/*",
            }
        )
    ]
    # WHEN the object is requested
    decision = decide(policies, request("s3:GetObject", f"arn:aws:s3:::amzn-s3-demo-bucket/{key}"))
    # THEN it matches exactly the objects the guide lists
    assert decision.allowed is matches


def test_resource_arns_are_case_sensitive_and_matched_segment_by_segment() -> None:
    # GIVEN a user ARN (case sensitive in Resource) and a wildcard inside the Region segment
    policies = [
        policy(
            {"Effect": "Allow", "Action": "iam:GetUser", "Resource": f"arn:aws:iam::{ACCOUNT}:user/Bob"},
            {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-*-1:*:queue?"},
        )
    ]
    # WHEN / THEN
    assert decide(policies, request("iam:GetUser", f"arn:aws:iam::{ACCOUNT}:user/Bob")).allowed
    assert not decide(policies, request("iam:GetUser", f"arn:aws:iam::{ACCOUNT}:user/bob")).allowed
    assert decide(policies, request("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCOUNT}:queue1")).allowed
    # a mid-segment * does not reach across the colons into the next segment
    assert not decide(
        policies, request("sqs:SendMessage", f"arn:aws:sqs:us-east:x-1:{ACCOUNT}:queue1")
    ).allowed


def test_a_star_ending_a_segment_may_expand_past_the_colons() -> None:
    # GIVEN "If the * wildcard is the last character of a resource ARN segment, it can expand to match beyond
    # the colon boundaries": a log group's ARN ending in :* covers its streams
    group = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/f:*"
    policies = [policy({"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": group})]
    stream = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/f:log-stream:2026/12/07/[$LATEST]abc"
    # WHEN / THEN
    assert decide(policies, request("logs:PutLogEvents", stream)).allowed
    assert not decide(policies, request("logs:PutLogEvents", stream.replace("/f:", "/g:"))).allowed


# --- Conditions -------------------------------------------------------------------------------------------


def allow_if(block: Mapping[str, Any], action: str = "s3:ListBucket") -> list[Policy]:
    return [policy({"Effect": "Allow", "Action": action, "Resource": "*", "Condition": block})]


def test_condition_key_names_ignore_case_values_do_not() -> None:
    # GIVEN "IAM JSON policy elements: Condition": aws:SourceIP is aws:SourceIp; john is not John
    policies = allow_if({"StringEquals": {"AWS:principalARN": ROLE.role_arn}})
    case = allow_if({"StringEquals": {"s3:prefix": "john"}})
    ignore_case = allow_if({"StringEqualsIgnoreCase": {"s3:prefix": "john"}})
    # WHEN / THEN
    assert decide(policies, request("s3:ListBucket")).allowed
    assert not decide(case, request("s3:ListBucket", s3__prefix="John")).allowed
    assert decide(ignore_case, request("s3:ListBucket", s3__prefix="John")).allowed


def test_a_missing_key_fails_a_condition_but_a_negated_one_holds() -> None:
    # GIVEN "Condition operators": a key not in the request context makes the condition false, except for
    # negated operators (StringNotLike, ArnNotLike, ...), which hold
    like = allow_if({"StringLike": {"s3:prefix": "home/*"}})
    not_like = allow_if({"StringNotLike": {"s3:prefix": "home/*"}})
    arn_not_like = allow_if({"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:*:topic"}})
    absent = request("s3:ListBucket", s3__prefix=None)
    # WHEN / THEN
    assert not decide(like, absent).allowed
    assert decide(not_like, absent).allowed
    assert decide(arn_not_like, absent).allowed


def test_if_exists_holds_when_the_key_is_missing_and_checks_it_when_present() -> None:
    # GIVEN the guide's example: StringLikeIfExists ec2:InstanceType t1.*, t2.*, m3.*
    policies = allow_if(
        {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}, "ec2:RunInstances"
    )
    # WHEN / THEN another type is denied; one of those types, or a request without the key, allowed
    assert decide(policies, request("ec2:RunInstances", ec2__InstanceType="t2.micro")).allowed
    assert not decide(policies, request("ec2:RunInstances", ec2__InstanceType="c5.large")).allowed
    assert decide(policies, request("ec2:RunInstances", ec2__InstanceType=None)).allowed


def test_null_asks_whether_the_key_is_there() -> None:
    # GIVEN the guide's example: "Null": {"aws:TokenIssueTime": "true"} (long-term credentials only)
    policies = allow_if({"Null": {"ec2:TokenIssueTime": "true"}}, "ec2:*")
    present = allow_if({"Null": {"ec2:TokenIssueTime": "false"}}, "ec2:*")
    # WHEN / THEN
    assert decide(policies, request("ec2:DescribeInstances", ec2__TokenIssueTime=None)).allowed
    assert not decide(
        policies, request("ec2:DescribeInstances", ec2__TokenIssueTime="2026-01-01T00:00:00Z")
    ).allowed
    assert decide(
        present, request("ec2:DescribeInstances", ec2__TokenIssueTime="2026-01-01T00:00:00Z")
    ).allowed


def test_values_of_one_key_are_ored_keys_and_operators_are_anded() -> None:
    # GIVEN "Creating a condition with multiple context keys or values"
    policies = allow_if(
        {
            "StringEquals": {"s3:prefix": ["", "home/"], "s3:delimiter": "/"},
            "NumericLessThanEquals": {"s3:max-keys": "10"},
        }
    )
    # WHEN / THEN any value of a key, every key, every operator
    assert decide(
        policies, request("s3:ListBucket", s3__prefix="home/", s3__delimiter="/", **{"s3__max-keys": "10"})
    ).allowed
    assert not decide(
        policies, request("s3:ListBucket", s3__prefix="home/", s3__delimiter="|", **{"s3__max-keys": "10"})
    ).allowed
    assert not decide(
        policies, request("s3:ListBucket", s3__prefix="home/", s3__delimiter="/", **{"s3__max-keys": "11"})
    ).allowed


def test_a_negated_operator_with_several_values_must_match_none_of_them() -> None:
    # GIVEN StringNotEquals with two values: the request's value must equal neither
    policies = allow_if({"StringNotEquals": {"s3:prefix": ["private/", "secret/"]}})
    # WHEN / THEN
    assert decide(policies, request("s3:ListBucket", s3__prefix="public/")).allowed
    assert not decide(policies, request("s3:ListBucket", s3__prefix="secret/")).allowed


@pytest.mark.parametrize(
    ("operator", "expected", "actual", "holds"),
    [
        ("NumericLessThan", "10", "9", True),
        ("NumericLessThan", "10", "10", False),
        ("NumericGreaterThanEquals", "10", "10.0", True),
        ("NumericEquals", "10", "ten", False),  # not a number: no match
        ("DateGreaterThan", "2020-01-01T00:00:01Z", "2026-12-07T09:00:00Z", True),
        ("DateLessThan", "2020-01-01T00:00:01Z", "1577836800", True),  # epoch seconds: 2020-01-01T00:00:00Z
        ("DateEquals", "2020-01-01T00:00:00Z", "1577836800", True),
        ("Bool", "true", "TRUE", True),
        ("BinaryEquals", "QmluYXJ5VmFsdWVJbkJhc2U2NA==", "QmluYXJ5VmFsdWVJbkJhc2U2NA==", True),
        ("IpAddress", "203.0.113.0/24", "203.0.113.7", True),
        ("IpAddress", "2001:DB8:1234:5678::/64", "2001:db8:1234:5678::1", True),
        ("NotIpAddress", "203.0.113.0/24", "198.51.100.1", True),
        ("ArnLike", "arn:aws:sns:*:123456789012:TOPIC-*", "arn:aws:sns:us-east-1:123456789012:TOPIC-1", True),
        ("ArnEquals", "arn:aws:sns:*:123456789012:TOPIC", "arn:aws:sns:us-east-1:123456789012:topic", False),
        ("StringLike", "home/*/a?c", "home/x/y/abc", True),
    ],
)
def test_each_operator_family_compares_as_documented(
    operator: str, expected: str, actual: str, holds: bool
) -> None:
    # GIVEN one condition with that operator
    policies = allow_if({operator: {"test:key": expected}}, "test:Do")
    # WHEN the request carries `actual`
    decision = decide(policies, request("test:Do", test__key=actual))
    # THEN
    assert decision.allowed is holds


def test_for_all_values_and_for_any_value_compare_sets() -> None:
    # GIVEN "Set operators for multivalued context keys" with aws:TagKeys
    all_values = allow_if(
        {"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}, "ec2:CreateTags"
    )
    any_value = allow_if(
        {"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}, "ec2:CreateTags"
    )
    # WHEN / THEN every requested key must be listed / one must be; a missing key satisfies ForAllValues only
    assert decide(all_values, request("ec2:CreateTags", aws__TagKeys=("environment",))).allowed
    assert not decide(all_values, request("ec2:CreateTags", aws__TagKeys=("environment", "owner"))).allowed
    assert decide(any_value, request("ec2:CreateTags", aws__TagKeys=("environment", "owner"))).allowed
    assert decide(all_values, request("ec2:CreateTags", aws__TagKeys=None)).allowed
    assert not decide(any_value, request("ec2:CreateTags", aws__TagKeys=None)).allowed


def test_a_condition_key_the_check_cannot_tell_is_never_guessed() -> None:
    # GIVEN a condition on a service key the request context does not carry, nor says is absent
    policies = allow_if({"StringEquals": {"dynamodb:LeadingKeys": "user-1"}}, "dynamodb:GetItem")
    # WHEN / THEN evaluating it raises, naming the key, rather than deciding either way
    with pytest.raises(UnmodeledKeyError) as raised:
        decide(policies, request("dynamodb:GetItem"))
    assert raised.value.key == "dynamodb:LeadingKeys"


# --- Policy variables -------------------------------------------------------------------------------------


def test_policy_variables_resolve_in_resources_and_values_in_the_2012_version_only() -> None:
    # GIVEN "IAM policy elements: Variables and tags": ${aws:PrincipalAccount} in a resource; ${*} is "*"
    in_resource = policy(
        {"Effect": "Allow", "Action": "sqs:*", "Resource": "arn:aws:sqs:*:${aws:PrincipalAccount}:*"}
    )
    old = policy(
        {"Effect": "Allow", "Action": "sqs:*", "Resource": "arn:aws:sqs:*:${aws:PrincipalAccount}:*"},
        version="2008-10-17",
    )
    escaped = allow_if({"StringEquals": {"s3:prefix": "${*}"}})
    # WHEN / THEN
    queue = f"arn:aws:sqs:us-east-1:{ACCOUNT}:q"
    assert decide([in_resource], request("sqs:SendMessage", queue)).allowed
    assert not decide(
        [in_resource], request("sqs:SendMessage", "arn:aws:sqs:us-east-1:999999999999:q")
    ).allowed
    assert not decide([old], request("sqs:SendMessage", queue)).allowed  # a literal ${...} in 2008-10-17
    assert decide(escaped, request("s3:ListBucket", s3__prefix="*")).allowed


def test_a_missing_variable_matches_nothing_unless_it_has_a_default() -> None:
    # GIVEN ${aws:username}, which a role session does not have, with and without a default
    bare = policy({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/home/${aws:username}/*"})
    default = policy(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/home/${aws:username, 'shared'}/*"}
    )
    # WHEN / THEN
    assert not decide([bare], request("s3:GetObject", "arn:aws:s3:::b/home//x")).allowed
    assert decide([default], request("s3:GetObject", "arn:aws:s3:::b/home/shared/x")).allowed


def test_the_denial_message_is_awss() -> None:
    # GIVEN "Troubleshoot access denied error messages": an implicit and an explicit deny
    wanted = request("s3:PutObject", "arn:aws:s3:::archive/tickets/t.json")
    # WHEN / THEN
    assert decide([], wanted).message(wanted) == (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/carlossalazar/session-1 is not authorized to perform:"
        " s3:PutObject on resource: arn:aws:s3:::archive/tickets/t.json because no identity-based policy"
        " allows the s3:PutObject action"
    )
    deny = [policy({"Effect": "Deny", "Action": "s3:*", "Resource": "*"})]
    assert decide(deny, wanted).message(wanted).endswith("with an explicit deny in an identity-based policy")
    no_resource = request("comprehend:DetectSentiment")
    assert "perform: comprehend:DetectSentiment because" in decide([], no_resource).message(no_resource)

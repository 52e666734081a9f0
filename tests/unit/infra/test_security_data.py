"""Customers' data at rest and in transit, secrets kept out of templates, local services kept on loopback."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from fake_bedrock.__main__ import ADMIN_ENV_VAR
from fake_bedrock.__main__ import parse_args as fake_bedrock_args
from tests.event_files import load_event
from tests.unit.conftest import PROFILES
from ticketflow.enrichment import InvalidModelOutputError, parse_triage
from ticketflow.ingest import InvalidTicketError, parse_ticket
from ticketflow.model import TicketSubmitted
from ticketflow.prompts import TRIAGE_TOOL_NAME
from ticketflow_dev.local.fake_bedrock_service import FakeBedrockService
from ticketflow_dev.tickets import producer
from ticketflow_infra.paths import REPO_ROOT
from ticketflow_infra.profiles import ProfileProps, profile_props
from ticketflow_infra.settings import Settings

# Where tickets (names, email addresses, descriptions) or their replies are stored or pass through.
CUSTOMER_DATA = (
    "AWS::DynamoDB::GlobalTable",
    "AWS::S3::Bucket",
    "AWS::Kinesis::Stream",
    "AWS::SQS::Queue",
    "AWS::KMS::Key",
)
SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|PRIVATE|API_KEY|ACCESS_KEY", re.IGNORECASE)
SECRET_VALUE = [
    re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),  # an AWS access key id
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"://[^/@\s\"]+:[^/@\s\"]+@"),  # a URL with user:password
    re.compile(r"\"(password|Password|PASSWORD)\"\s*:\s*\"[^\"]+\""),  # a password given as a value
]


def profile(name: str) -> ProfileProps:
    return profile_props(Settings(profile=name))


def resources(template: Template, resource_type: str) -> Mapping[str, Mapping[str, Any]]:
    found = template.find_resources(resource_type)
    assert found, f"no {resource_type}"
    return found


def denies_insecure_transport(template: Template, policy_type: str, target: str, logical_id: str) -> bool:
    """Whether a resource policy of `policy_type` on `logical_id` denies every request without TLS."""
    for policy in template.find_resources(policy_type).values():
        properties = policy["Properties"]
        if json.dumps(logical_id) not in json.dumps(properties.get(target, "")):
            continue
        for statement in properties["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Deny" and statement.get("Condition") == {
                "Bool": {"aws:SecureTransport": "false"}
            }:
                return True
    return False


@pytest.mark.parametrize("name", PROFILES)
def test_the_archive_is_private_encrypted_and_tls_only(
    name: str, profile_templates: Mapping[str, Template]
) -> None:
    # GIVEN the profile's template
    template = profile_templates[name]

    # WHEN / THEN the archive blocks public access, encrypts every object and refuses plain HTTP
    for logical_id, bucket in resources(template, "AWS::S3::Bucket").items():
        properties = bucket["Properties"]
        assert properties["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        [rule] = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
        assert denies_insecure_transport(template, "AWS::S3::BucketPolicy", "Bucket", logical_id)


@pytest.mark.parametrize("name", PROFILES)
def test_archive_versions_and_table_recovery_follow_the_profile(
    name: str, profile_templates: Mapping[str, Template]
) -> None:
    # GIVEN the profile's template and its properties
    template = profile_templates[name]
    props = profile(name)

    # WHEN the bucket's versioning and the table's recovery and encryption are read
    [bucket] = resources(template, "AWS::S3::Bucket").values()
    [table] = resources(template, "AWS::DynamoDB::GlobalTable").values()
    [replica] = table["Properties"]["Replicas"]
    versioning = bucket["Properties"].get("VersioningConfiguration", {}).get("Status")
    recovery = replica.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled", False)

    # THEN the table is encrypted everywhere, and aws keeps versions and point-in-time recovery
    assert table["Properties"]["SSESpecification"]["SSEEnabled"] is True
    assert (versioning == "Enabled") is props.archive_versioned
    assert recovery is props.point_in_time_recovery
    assert (name != "aws") or (props.archive_versioned and props.point_in_time_recovery)


@pytest.mark.parametrize("name", PROFILES)
def test_the_topic_is_encrypted_with_a_rotating_key_and_tls_only(
    name: str, profile_templates: Mapping[str, Template]
) -> None:
    # GIVEN the profile's template
    template = profile_templates[name]
    [(key_id, key)] = resources(template, "AWS::KMS::Key").items()
    [(topic_id, topic)] = resources(template, "AWS::SNS::Topic").items()

    # WHEN the key's grants to services are read
    services = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if "Service" in s.get("Principal", {})]

    # THEN the topic uses the key, which rotates; CloudWatch alarms may use it (or they could not publish);
    # and the topic refuses plain HTTP
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert key["Properties"]["EnableKeyRotation"] is True
    assert [s["Principal"]["Service"] for s in services] == ["cloudwatch.amazonaws.com"]
    assert set(services[0]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey"}
    assert denies_insecure_transport(template, "AWS::SNS::TopicPolicy", "Topics", topic_id)


@pytest.mark.parametrize("name", PROFILES)
def test_queues_and_the_stream_are_encrypted_and_queues_tls_only(
    name: str, profile_templates: Mapping[str, Template]
) -> None:
    # GIVEN the profile's template
    template = profile_templates[name]

    # WHEN / THEN every queue is encrypted and refuses plain HTTP, and the stream is encrypted
    for logical_id, queue in resources(template, "AWS::SQS::Queue").items():
        properties = queue["Properties"]
        assert properties.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in properties
        assert denies_insecure_transport(template, "AWS::SQS::QueuePolicy", "Queues", logical_id)
    for stream in resources(template, "AWS::Kinesis::Stream").values():
        assert stream["Properties"]["StreamEncryption"]["EncryptionType"] == "KMS"


@pytest.mark.parametrize(("name", "policy"), [("local", "Delete"), ("aws", "Retain")])
def test_customer_data_is_kept_on_aws_and_dropped_locally(
    name: str, policy: str, profile_templates: Mapping[str, Template]
) -> None:
    # GIVEN / WHEN every resource that holds or unlocks customers' data
    template = profile_templates[name]
    held = {lid: r for t in CUSTOMER_DATA for lid, r in resources(template, t).items()}

    # THEN each follows the profile's removal policy, on deletion and on replacement
    assert {
        lid: (r.get("DeletionPolicy"), r.get("UpdateReplacePolicy")) for lid, r in held.items()
    } == dict.fromkeys(held, (policy, policy))


@pytest.mark.parametrize("name", PROFILES)
def test_no_secret_in_the_template_or_a_function_environment(
    name: str, profile_templates: Mapping[str, Template]
) -> None:
    # GIVEN the profile's template as text, its secrets and its functions' variables
    template = profile_templates[name]
    text = json.dumps(template.to_json())
    secrets = template.find_resources("AWS::SecretsManager::Secret")
    variables = {
        (lid, variable): value
        for lid, function in resources(template, "AWS::Lambda::Function").items()
        for variable, value in function["Properties"]["Environment"]["Variables"].items()
    }

    # WHEN / THEN no credential-looking value anywhere; a secret's value is generated by Secrets Manager,
    # never written in the template; a function gets a secret's ARN, never its value
    assert [p.pattern for p in SECRET_VALUE if p.search(text)] == []
    for secret in secrets.values():
        assert "SecretString" not in secret["Properties"]
        assert "GenerateSecretString" in secret["Properties"]
    for (lid, variable), value in variables.items():
        if SECRET_NAME.search(variable):
            assert variable.endswith("_ARN"), (lid, variable)
            assert isinstance(value, dict), (lid, variable)  # a reference to the secret resource


def test_dotenv_is_ignored_by_git() -> None:
    # GIVEN / WHEN the repository's ignore rules
    rules = (REPO_ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()

    # THEN .env (where a user's real settings go) is never committed
    assert ".env" in [rule.strip() for rule in rules]


def test_local_services_bind_loopback_and_fake_bedrock_admin_is_off_unless_enabled(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # GIVEN no settings and no FAKE_BEDROCK_ADMIN in the environment
    monkeypatch.delenv(ADMIN_ENV_VAR, raising=False)

    # WHEN the defaults are read, and the local stack launches fake_bedrock on a non-loopback address
    defaults = Settings()
    standalone = fake_bedrock_args([])
    exposed = FakeBedrockService(Settings(bind_host="0.0.0.0"), inherited_env={}, cwd=tmp_path).launch()

    # THEN everything binds 127.0.0.1, fake_bedrock alone serves no admin endpoint, and the supervisor
    # switches the admin endpoint off when the service is reachable from other hosts
    assert defaults.bind_host == "127.0.0.1"
    assert (standalone.host, standalone.admin) == ("127.0.0.1", False)
    assert "--no-admin" in exposed.argv
    assert "--admin" not in exposed.argv


def test_a_rejection_reason_names_the_fields_never_their_values() -> None:
    # GIVEN a ticket whose email, name and description are all invalid, each with a distinctive value
    ticket = TicketSubmitted.model_validate(load_event("ticket_submitted.json"))
    event: dict[str, Any] = json.loads(producer.encode(ticket))
    contact = event["data"]["customer_contact_information"]
    contact["email"] = "zyxquux.leak@example.invalid at home"
    contact["first_name"] = ["Wolfhart", "Quennell"]
    event["data"]["description"] = {"text": "Quibblesworth secret description"}

    # WHEN it is parsed as the trigger parses records
    with pytest.raises(InvalidTicketError) as rejected:
        parse_ticket(json.dumps(event).encode())

    # THEN the reason (logged and stored) names each field at fault and quotes none of the values
    reason = rejected.value.reason
    for field in ("customer_contact_information.email", "first_name", "data.description"):
        assert field in reason
    for value in ("zyxquux", "Wolfhart", "Quennell", "Quibblesworth"):
        assert value not in reason


def test_invalid_model_output_is_described_without_the_reply() -> None:
    # GIVEN a model answer with a reply greeting the customer by name and a priority that does not exist
    answer = {
        "customer_response": "Dear Wolfhart Quennell, about TKT-20250115-0001: we are on it.",
        "priority": "URGENT",
        "priority_reasoning": "Quibblesworth is blocked",
    }
    content = [{"toolUse": {"toolUseId": "t1", "name": TRIAGE_TOOL_NAME, "input": answer}}]

    # WHEN it is parsed
    with pytest.raises(InvalidModelOutputError) as refused:
        parse_triage(content, "TKT-20250115-0001")

    # THEN the error (which the Lambda runtime logs) names the field, not the answer's text
    message = str(refused.value)
    assert "priority" in message
    for value in ("Wolfhart", "Quennell", "Quibblesworth", "URGENT"):
        assert value not in message

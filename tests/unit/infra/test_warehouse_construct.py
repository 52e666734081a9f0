"""The Warehouse construct: the ETL Lambda on an EventBridge rule, a generated secret, least privilege.

Also the code it runs from: ticketflow_etl bundled beside ticketflow in the shared code, importable without
psycopg.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_events as events
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template

from ticketflow_etl.migrations import load_migrations
from ticketflow_infra import wheel_target
from ticketflow_infra.bundling import build_shared_code, function_asset
from ticketflow_infra.function_platform import lambda_platform
from ticketflow_infra.functions import FunctionDefaults
from ticketflow_infra.paths import LAMBDAS_DIR, REPO_ROOT
from ticketflow_infra.warehouse import Warehouse

ACCOUNT = "123456789012"
REGION = "us-east-1"


def _synth(shared_code: Path, **schedule: events.Schedule) -> Template:
    app = cdk.App()
    stack = cdk.Stack(app, "WarehouseTest", env=cdk.Environment(account=ACCOUNT, region=REGION))
    bucket = s3.Bucket(stack, "Archive")
    functions = FunctionDefaults(
        shared_code=shared_code, platform=lambda_platform("arm64"), removal_policy=cdk.RemovalPolicy.DESTROY
    )
    Warehouse(stack, "Warehouse", bucket=bucket, functions=functions, **schedule)
    return Template.from_stack(stack)


@pytest.fixture(scope="module")
def template(stub_shared_code: Path) -> Template:
    return _synth(stub_shared_code)


def _logical_id(template: Template, resource_type: str, prefix: str = "") -> str:
    [logical_id] = [lid for lid in template.find_resources(resource_type) if lid.startswith(prefix)]
    return logical_id


def _etl_policy_statements(template: Template) -> list[dict[str, Any]]:
    policies = template.find_resources("AWS::IAM::Policy")
    statements: list[dict[str, Any]] = []
    for logical_id, policy in policies.items():
        if logical_id.startswith("WarehouseEtl"):
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_the_etl_is_a_python_lambda_that_never_overlaps(template: Template) -> None:
    # GIVEN / WHEN the template's one function
    template.resource_count_is("AWS::Lambda::Function", 1)
    bucket = _logical_id(template, "AWS::S3::Bucket")
    secret = _logical_id(template, "AWS::SecretsManager::Secret")

    # THEN it runs the warehouse_etl handler on Lambda's Python 3.13 on Graviton for up to 15 minutes, one run
    # at a time, and finds the archive, its prefixes and the secret's ARN (never the secret) in its
    # environment
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Runtime": "python3.13",
            "Architectures": ["arm64"],
            "Handler": "handler.lambda_handler",
            "Timeout": 900,
            "MemorySize": 2048,
            "ReservedConcurrentExecutions": 1,
            "Environment": {
                "Variables": Match.object_like(
                    {
                        "BUCKET_NAME": {"Ref": bucket},
                        "ARCHIVE_PREFIX": "tickets/",
                        "STAGING_PREFIX": "etl-staging/",
                        "REDSHIFT_SECRET_ARN": {"Ref": secret},
                    }
                )
            },
        },
    )
    # a failed run is not retried at once: the next scheduled run does its work
    template.has_resource_properties("AWS::Lambda::EventInvokeConfig", {"MaximumRetryAttempts": 0})


def test_a_rule_runs_it_every_two_hours(template: Template) -> None:
    # GIVEN the function
    function = _logical_id(template, "AWS::Lambda::Function")

    # WHEN / THEN an EventBridge rule targets it at rate(2 hours), and EventBridge may invoke it for that rule
    rule = _logical_id(template, "AWS::Events::Rule")
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "ScheduleExpression": "rate(2 hours)",
            "Targets": [Match.object_like({"Arn": {"Fn::GetAtt": [function, "Arn"]}})],
        },
    )
    template.has_resource_properties(
        "AWS::Lambda::Permission",
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": {"Fn::GetAtt": [function, "Arn"]},
            "Principal": "events.amazonaws.com",
            "SourceArn": {"Fn::GetAtt": [rule, "Arn"]},
        },
    )


def test_the_schedule_is_a_parameter(stub_shared_code: Path) -> None:
    # GIVEN / WHEN the construct with another schedule
    template = _synth(stub_shared_code, schedule=events.Schedule.rate(cdk.Duration.minutes(30)))

    # THEN the rule uses it
    template.has_resource_properties("AWS::Events::Rule", {"ScheduleExpression": "rate(30 minutes)"})


def test_secret_password_is_generated_never_written(template: Template) -> None:
    # GIVEN the secret
    [secret] = template.find_resources("AWS::SecretsManager::Secret").values()
    generated = secret["Properties"]["GenerateSecretString"]

    # WHEN / THEN Secrets Manager generates a Redshift-valid password; the template holds only the connection
    # fields to fill in after deploy, empty, and no password
    assert generated["GenerateStringKey"] == "password"
    assert generated["ExcludePunctuation"] is True
    assert generated["RequireEachIncludedType"] is True
    assert json.loads(generated["SecretStringTemplate"]) == {
        "username": "ticketflow_etl",
        "dbname": "dev",
        "workgroupName": "",
        "dbClusterIdentifier": "",
        "copyRoleArn": "",
    }
    assert "SecretString" not in secret["Properties"]


def test_the_etl_role_has_least_privilege(template: Template) -> None:
    # GIVEN the function role's inline statements
    statements = _etl_policy_statements(template)
    by_action = {action: s for s in statements for action in _as_list(s["Action"])}

    # THEN no action is a wildcard, and besides writing its logs (pipeline_function's part) exactly these
    # actions are allowed
    assert not [action for action in by_action if "*" in action]
    assert {action for action in by_action if not action.startswith("logs:")} == {
        "s3:ListBucket",
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "redshift-data:ExecuteStatement",
        "redshift-data:BatchExecuteStatement",
        "redshift-data:DescribeStatement",
        "redshift-data:GetStatementResult",
        "secretsmanager:GetSecretValue",
        "secretsmanager:DescribeSecret",
    }
    # reads only the archive, writes and deletes only the staging prefix
    assert json.dumps(by_action["s3:GetObject"]["Resource"]).endswith('"/tickets/*"]]}')
    for action in ("s3:PutObject", "s3:DeleteObject"):
        assert json.dumps(by_action[action]["Resource"]).endswith('"/etl-staging/*"]]}')
    assert by_action["s3:ListBucket"]["Resource"] == {
        "Fn::GetAtt": [_logical_id(template, "AWS::S3::Bucket"), "Arn"]
    }
    # the secret it reads is its own
    assert by_action["secretsmanager:GetSecretValue"]["Resource"] == {
        "Ref": _logical_id(template, "AWS::SecretsManager::Secret")
    }
    # statements run only on this account's clusters and workgroups in this region
    assert by_action["redshift-data:ExecuteStatement"]["Resource"] == [
        {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":redshift:{REGION}:{ACCOUNT}:cluster:*"]]},
        {
            "Fn::Join": [
                "",
                ["arn:", {"Ref": "AWS::Partition"}, f":redshift-serverless:{REGION}:{ACCOUNT}:workgroup/*"],
            ]
        },
    ]
    # and the one "*" resource (statement ids have no ARN) is bounded to the statements this role started
    unscoped = [s for s in statements if "*" in _as_list(s["Resource"])]
    assert [sorted(_as_list(s["Action"])) for s in unscoped] == [
        ["redshift-data:DescribeStatement", "redshift-data:GetStatementResult"]
    ]
    assert unscoped[0]["Condition"] == {
        "StringEquals": {"redshift-data:statement-owner-iam-userid": "${aws:userid}"}
    }


def test_the_etl_functions_code_holds_both_packages_and_imports_without_psycopg(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the shared code built from the repository's packages (no wheels: an empty requirements file,
    # and pip barred from any index) and the ETL function's asset built from it
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# nothing to install in this test\n")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    target = wheel_target.for_interpreter(
        wheel_target.probe(sys.executable)
    )  # the interpreter that imports the asset below
    shared = build_shared_code(target, requirements=requirements, build_dir=tmp_path / "build")
    asset = function_asset(LAMBDAS_DIR / "warehouse_etl", shared)

    # WHEN a fresh interpreter with psycopg blocked imports the handler from the asset alone
    probe = subprocess.run(
        [
            sys.executable,
            "-I",
            "-B",
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); sys.modules['psycopg'] = None;"
            "import handler, ticketflow, ticketflow_etl;"
            "from ticketflow_etl.migrations import load_migrations;"
            "print(len(load_migrations('redshift')), ticketflow.__file__, ticketflow_etl.__file__)",
            str(asset),
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    # THEN the asset has the handler, both packages with the SQL files, no CLI, no caches; both packages load
    # from the asset (not the repository) and the handler needs no psycopg
    assert (asset / "handler.py").is_file()
    assert (asset / "ticketflow_etl" / "sql" / "redshift" / "V001__warehouse_tables.sql").is_file()
    assert (asset / "ticketflow" / "composition.py").is_file()
    assert not (asset / "ticketflow" / "cli").exists()
    assert not list(asset.rglob("__pycache__"))
    assert probe.returncode == 0, probe.stderr
    count, ticketflow_file, etl_file = probe.stdout.split()
    assert count == str(len(load_migrations("redshift")))  # every migration of the repository
    assert Path(ticketflow_file).is_relative_to(asset)
    assert Path(etl_file).is_relative_to(asset)
    assert not Path(etl_file).is_relative_to(REPO_ROOT)

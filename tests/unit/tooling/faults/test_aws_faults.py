"""AWS fault rules as the proxy takes them, the CLI's parsing, the counters, and the functions' wiring."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ticketflow_dev.cli import faults as faults_cli
from ticketflow_dev.cli.faults import parse_rate
from ticketflow_dev.faults.aws_api import (
    AwsFaultError,
    AwsFaults,
    FaultRule,
    parse_counts,
    routed_environment,
    routed_services,
)
from ticketflow_dev.local import default_services
from ticketflow_dev.local.fault_proxy import LAUNCHER, FaultProxyService
from ticketflow_infra.settings import Settings

PROXY = "http://127.0.0.1:4590"
EMULATOR_INJECTED = {"AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "TABLE_NAME": "tickets"}


def test_throttle_is_each_services_own_error_with_its_real_status() -> None:
    # GIVEN / WHEN a throttle rule per service  THEN each renders the code and status that service sends
    def error(service: str, operation: str) -> Any:
        return FaultRule(service, operation, "throttle", 0.1).to_proxy()["error"]

    assert error("dynamodb", "PutItem") == {"code": "ProvisionedThroughputExceededException", "status": 400}
    assert error("stepfunctions", "StartExecution") == {"code": "ThrottlingException", "status": 400}
    assert error("s3", "PutObject") == {"code": "SlowDown", "status": 503}


def test_a_rule_in_the_proxys_json() -> None:
    # GIVEN an error rule pinned to one ticket's request, at most 3 times
    rule = FaultRule(
        "sqs", "SendMessage", "error", 0.05, code="InternalError", status=500, where="a == 'b'", times=3
    )
    # WHEN / THEN it is microburst's rule, field for field
    assert rule.to_proxy() == {
        "service": "sqs",
        "operation": "SendMessage",
        "probability": 0.05,
        "body": "a == 'b'",
        "times": 3,
        "error": {"code": "InternalError", "status": 500},
    }
    # AND a whole service, latency and reset rules
    assert FaultRule("s3", "*", "latency", 1.0, latency_ms=200).to_proxy() == {
        "service": "s3",
        "probability": 1.0,
        "latency": 200,
    }
    assert FaultRule("dynamodb", "GetItem", "reset", 0.5).to_proxy()["reset"] is True


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("kinesis", "PutRecord", "throttle", 0.1), "unknown service 'kinesis'"),
        (("s3", "PutObject", "explode", 0.1), "unknown fault 'explode'"),
        (("s3", "PutObject", "throttle", 0.0), "above 0%"),
        (("s3", "PutObject", "throttle", 1.5), "at most 100%"),
        (("s3", "PutObject", "error", 0.1), "--code InternalError"),
        (("s3", "PutObject", "latency", 0.1), "--ms 200"),
    ],
)
def test_a_rule_that_cannot_be_set_says_why(arguments: tuple[Any, ...], message: str) -> None:
    # GIVEN / WHEN / THEN
    with pytest.raises(AwsFaultError, match=re.escape(message)):
        FaultRule(*arguments)


def test_targets_and_rates_parse_as_written() -> None:
    # GIVEN / WHEN / THEN
    assert FaultRule.parse_target("dynamodb:PutItem") == ("dynamodb", "PutItem")
    assert FaultRule.parse_target("S3") == ("s3", "*")
    assert parse_rate("10%") == pytest.approx(0.1)
    assert parse_rate("0.05") == pytest.approx(0.05)
    with pytest.raises(AwsFaultError, match=r"10% or 0\.1"):
        parse_rate("ten")


def test_the_cli_refuses_a_target_without_a_fault_in_one_line() -> None:
    # GIVEN / WHEN `faults set dynamodb:PutItem` with no fault
    result = CliRunner().invoke(faults_cli.app, ["set", "dynamodb:PutItem"])
    # THEN it fails, naming the kinds
    assert result.exit_code == 1
    assert "say which fault after dynamodb:PutItem: one of throttle, error, latency, reset" in " ".join(
        result.output.split()
    )


def test_only_services_with_rules_are_routed_through_the_proxy() -> None:
    # GIVEN a function's environment (the emulator's endpoint injected, a user's own S3 endpoint)
    variables = EMULATOR_INJECTED | {"AWS_ENDPOINT_URL_S3": "http://elsewhere:9000"}

    # WHEN DynamoDB and Step Functions get rules
    routed = routed_environment(variables, ["dynamodb", "stepfunctions"], PROXY)

    # THEN those two reach the proxy, the rest is untouched
    assert routed == variables | {"AWS_ENDPOINT_URL_DYNAMODB": PROXY, "AWS_ENDPOINT_URL_SFN": PROXY}
    assert routed_services(routed, PROXY) == ["dynamodb", "stepfunctions"]

    # WHEN Step Functions' rules are cleared, then everything
    # THEN its route goes, then all routes go, and the user's own endpoint stays
    assert routed_environment(routed, ["dynamodb"], PROXY) == variables | {"AWS_ENDPOINT_URL_DYNAMODB": PROXY}
    assert routed_environment(routed, [], PROXY) == variables


def test_counters_come_from_the_proxys_stats_and_metrics() -> None:
    # GIVEN the proxy's stats and its Prometheus text
    stats = {"by_service": [{"service": "dynamodb", "requests": 40, "faulted": 5}]}
    metrics = "\n".join(
        [
            "# TYPE microburst_faults_total counter",
            'microburst_faults_total{service="dynamodb",operation="PutItem",'
            'action="error:ProvisionedThroughputExceededException"} 4',
            'microburst_faults_total{service="stepfunctions",operation="StartExecution",'
            'action="error:ThrottlingException"} 7',
            "microburst_rules_active 2",
        ]
    )
    # WHEN they are parsed
    counts = parse_counts(stats, metrics)
    # THEN requests and faults are counted per service and operation
    assert counts.requests == {"dynamodb": 40}
    assert counts.faults_of("dynamodb") == 4
    assert counts.faults_of("stepfunctions", "StartExecution") == 7
    assert counts.faults_of("s3") == 0


def test_the_containers_target_is_refused_with_what_to_use_instead(tmp_path: Path) -> None:
    # GIVEN / WHEN / THEN
    with pytest.raises(AwsFaultError, match="TICKETFLOW_STACK=embedded or external"):
        AwsFaults(Settings(home=tmp_path, stack="containers"))


def test_the_proxy_is_started_on_demand_forwarding_to_the_emulator(tmp_path: Path) -> None:
    # GIVEN settings with their own ports, and a developer's credentials in the environment
    settings = Settings(home=tmp_path, emulator_port=26566, fault_proxy_port=26590)
    shell = {"PATH": "/usr/bin", "AWS_SECRET_ACCESS_KEY": "real", "PYTHONPATH": "/src"}

    # WHEN the services of the stack are listed, and the proxy's launch computed
    services = default_services(settings, environ=shell)
    proxy = next(s for s in services if isinstance(s, FaultProxyService))
    launch = proxy.launch()

    # THEN the proxy is the one service `up` leaves to the command that needs it
    assert [s.name for s in services if s.on_demand] == ["fault_proxy"]
    # AND it runs the launcher on its own venv's Python, in front of the emulator, with no credentials
    assert list(launch.argv[:2]) == [
        str(tmp_path / "venvs" / "fault-proxy" / "bin" / "python"),
        str(LAUNCHER),
    ]
    assert launch.argv[launch.argv.index("--upstream") + 1] == "http://127.0.0.1:26566"
    assert launch.argv[launch.argv.index("--port") + 1] == "26590"
    assert launch.env == {"PATH": "/usr/bin"}

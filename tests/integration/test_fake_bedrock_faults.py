"""Fault injection end to end: boto3 sees the injected errors, latency and bad output; the admin API,
the `ticketflow_dev.faults.fake_bedrock_admin` client, the `faults` CLI group and start-time configuration
all work."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from typer.testing import CliRunner

from fake_bedrock.server import FakeBedrockServer, serve_in_background
from ticketflow.enrichment import InvalidModelOutputError, parse_triage
from ticketflow.prompts import SYSTEM_PROMPT, TRIAGE_TOOL_NAME, TRIAGE_TOOL_SPEC
from ticketflow_dev.cli.faults import app as faults_cli
from ticketflow_dev.core.polling import wait_until
from ticketflow_dev.faults import fake_bedrock_admin as client

NOVA = "us.amazon.nova-pro-v1:0"
TICKET_MESSAGE = (
    "Ticket ID: TKT-20240315-0007\nCustomer: Ana Diaz\nCustomer first name: Ana\nCompany: Acme\n"
    "Product: Amazon RDS\nIssue type: Outage\n"
    "Sentiment: NEGATIVE (positive 0.01, negative 0.90, neutral 0.05, mixed 0.04)\n"
    "Subject: Database down\nDescription:\nOur production database is unreachable; orders fail."
)


@pytest.fixture(autouse=True)
def no_faults_left_behind(server: FakeBedrockServer) -> Iterator[None]:
    client.clear_faults(server.url)
    client.reset_stats(server.url)
    yield
    client.clear_faults(server.url)


def _triage_call(bedrock: Any) -> dict[str, Any]:
    result: dict[str, Any] = bedrock.converse(
        modelId=NOVA,
        system=[{"text": SYSTEM_PROMPT}],
        messages=[{"role": "user", "content": [{"text": TICKET_MESSAGE}]}],
        inferenceConfig={"maxTokens": 1024},
        toolConfig={"tools": [TRIAGE_TOOL_SPEC], "toolChoice": {"tool": {"name": TRIAGE_TOOL_NAME}}},
    )
    return result


def _outcomes(call: Any, n: int) -> list[tuple[str, int]]:
    """(error code or "ok", HTTP status) for n calls."""
    seen = []
    for _ in range(n):
        try:
            call()
        except ClientError as error:
            seen.append(
                (error.response["Error"]["Code"], error.response["ResponseMetadata"]["HTTPStatusCode"])
            )
        else:
            seen.append(("ok", 200))
    return seen


def test_error_rate_is_observed_with_the_right_codes_and_repeats(
    server: FakeBedrockServer, bedrock: Any
) -> None:
    # GIVEN converse failing 30% of the time with Bedrock's four retryable errors, seed 7
    rule = client.operation_rule(
        error_rate=0.3,
        errors=[
            "ThrottlingException",
            "ModelTimeoutException",
            "InternalServerException",
            "ServiceUnavailableException",
        ],
    )
    client.set_operation_faults(server.url, "converse", rule, seed=7)

    # WHEN 400 calls are made
    def call() -> None:
        bedrock.converse(modelId=NOVA, messages=[{"role": "user", "content": [{"text": "hi"}]}])

    first = _outcomes(call, 400)
    # THEN about 30% fail, each with its status, and botocore reads every code
    failures = Counter(code for code, _ in first if code != "ok")
    assert 0.24 <= sum(failures.values()) / 400 <= 0.36
    expected_status = {
        "ThrottlingException": 429,
        "ModelTimeoutException": 408,
        "InternalServerException": 500,
        "ServiceUnavailableException": 503,
    }
    assert set(failures) == set(expected_status)
    assert all(status == expected_status.get(code, 200) for code, status in first)
    # AND the stats count exactly what was injected
    stats = client.get_stats(server.url)["converse"]
    assert stats["requests"] == 400
    assert stats["injected_errors"] == dict(failures)
    # AND re-applying the same seed replays the same sequence
    client.set_operation_faults(server.url, "converse", rule, seed=7)
    assert _outcomes(call, 400) == first


def test_comprehend_faults_use_comprehend_codes(server: FakeBedrockServer, comprehend: Any) -> None:
    # GIVEN a wildcard rule that always throttles
    client.set_operation_faults(
        server.url, "*", client.operation_rule(error_rate=1.0, errors=["ThrottlingException"])
    )
    # WHEN Comprehend is called  THEN it throttles the Comprehend way
    outcome = _outcomes(lambda: comprehend.detect_sentiment(Text="hello", LanguageCode="en"), 1)
    assert outcome == [("TooManyRequestsException", 429)]


def test_latency_is_added(server: FakeBedrockServer, bedrock: Any, comprehend: Any) -> None:
    # GIVEN 150 ms of fixed latency on every operation
    client.set_operation_faults(server.url, "*", client.operation_rule(latency_ms=150))
    # WHEN a Comprehend call and a Converse call are timed
    started = time.perf_counter()
    comprehend.detect_sentiment(Text="hello", LanguageCode="en")
    comprehend_s = time.perf_counter() - started
    started = time.perf_counter()
    response = bedrock.converse(modelId=NOVA, messages=[{"role": "user", "content": [{"text": "hi"}]}])
    converse_s = time.perf_counter() - started
    # THEN both took at least 150 ms, and Converse reports it in metrics.latencyMs
    assert comprehend_s >= 0.15
    assert converse_s >= 0.15
    assert response["metrics"]["latencyMs"] >= 150


def test_uniform_latency_stays_within_its_bounds(server: FakeBedrockServer, comprehend: Any) -> None:
    # GIVEN 40-80 ms of uniform latency on detect_sentiment
    rule = client.operation_rule(latency_ms=60, latency_jitter_ms=20, latency_distribution="uniform")
    client.set_operation_faults(server.url, "detect_sentiment", rule, seed=3)
    # WHEN 5 calls are timed
    durations = []
    for _ in range(5):
        started = time.perf_counter()
        comprehend.detect_sentiment(Text="hello", LanguageCode="en")
        durations.append(time.perf_counter() - started)
    # THEN none was faster than the lower bound, and the stats add up the injected time
    assert min(durations) >= 0.04
    injected = client.get_stats(server.url)["detect_sentiment"]["injected_latency_ms"]
    assert 5 * 40 <= injected <= 5 * 80


def test_bad_output_breaks_the_tool_call(server: FakeBedrockServer, bedrock: Any) -> None:
    # GIVEN every converse answer malformed
    client.set_operation_faults(server.url, "converse", client.operation_rule(bad_output_rate=1.0), seed=11)
    # WHEN the triage is requested 20 times
    stop_reasons: Counter[str] = Counter()
    for _ in range(20):
        response = _triage_call(bedrock)
        stop_reasons[response["stopReason"]] += 1
        # THEN the pipeline's parser refuses every answer (text instead of a call, or input off the schema)
        with pytest.raises(InvalidModelOutputError):
            parse_triage(response["output"]["message"]["content"], "TKT-20240315-0007")
    # AND both kinds of malformed output occurred
    assert set(stop_reasons) == {"end_turn", "tool_use"}
    assert client.get_stats(server.url)["converse"]["injected_bad_output_count"] == 20


def test_clearing_faults_restores_clean_answers(server: FakeBedrockServer, bedrock: Any) -> None:
    # GIVEN converse always failing
    client.set_operation_faults(server.url, "converse", client.operation_rule(error_rate=1.0))
    assert _outcomes(lambda: _triage_call(bedrock), 1)[0][0] != "ok"
    # WHEN the faults are cleared
    cleared = client.clear_faults(server.url)
    # THEN the configuration is empty and the triage is a valid tool call again
    assert cleared == {"seed": 0, "operations": {}}
    response = _triage_call(bedrock)
    assert parse_triage(response["output"]["message"]["content"], "TKT-20240315-0007")


def test_admin_refuses_bad_configurations(server: FakeBedrockServer) -> None:
    # GIVEN an out-of-range rule  WHEN it is PUT  THEN the server answers 400 and keeps the old config
    with pytest.raises(client.FaultAdminError, match="400"):
        client.put_faults(server.url, {"operations": {"converse": {"error_rate": 2}}})
    assert client.get_faults(server.url) == {"seed": 0, "operations": {}}


def test_admin_endpoint_is_404_when_not_enabled() -> None:
    # GIVEN a server started without --admin
    with serve_in_background() as plain:
        for method in ("GET", "PUT", "DELETE"):
            request = urllib.request.Request(f"{plain.url}/_admin/faults", data=b"{}", method=method)
            # WHEN the admin endpoint is called  THEN it is not there
            with pytest.raises(urllib.error.HTTPError) as caught:
                urllib.request.urlopen(request, timeout=5)
            assert caught.value.code == 404
        with pytest.raises(client.FaultAdminError, match="--admin"):
            client.get_stats(plain.url)


def test_cli_set_show_clear(server: FakeBedrockServer) -> None:
    # GIVEN the `faults` command group
    runner = CliRunner()
    # WHEN a rule is set, shown and cleared
    set_result = runner.invoke(
        faults_cli,
        [
            "set",
            "--op",
            "converse",
            "--error-rate",
            "0.3",
            "--latency-ms",
            "200",
            "--seed",
            "7",
            "--bad-output-rate",
            "0.1",
            "--error",
            "ThrottlingException",
            "--url",
            server.url,
        ],
    )
    show_result = runner.invoke(faults_cli, ["show", "--url", server.url])
    clear_result = runner.invoke(faults_cli, ["clear", "--url", server.url])
    # THEN each succeeds and the server holds, then drops, the rule
    assert set_result.exit_code == 0, set_result.output
    assert json.loads(set_result.output)["operations"]["converse"]["latency"] == {
        "distribution": "fixed",
        "ms": 200.0,
    }
    assert show_result.exit_code == 0, show_result.output
    assert json.loads(show_result.output)["faults"]["seed"] == 7
    assert clear_result.exit_code == 0, clear_result.output
    assert client.get_faults(server.url)["operations"] == {}


def test_cli_reads_the_url_from_settings(server: FakeBedrockServer, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the settings pointing at the server's port
    monkeypatch.setenv("TICKETFLOW_FAKE_BEDROCK_PORT", str(server.server_address[1]))
    monkeypatch.setenv("TICKETFLOW_BIND_HOST", "127.0.0.1")
    # WHEN `faults show` runs without --url  THEN it reaches the server
    result = CliRunner().invoke(faults_cli, ["show", "--no-stats"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"faults": {"seed": 0, "operations": {}}}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _read_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=2) as response:
        return json.loads(response.read())


@pytest.mark.parametrize("via", ["flag", "env"])
def test_faults_configured_at_start(via: str) -> None:
    # GIVEN a fault configuration passed on the command line or in FAKE_BEDROCK_FAULTS
    config = {"seed": 5, "operations": {"detect_sentiment": {"error_rate": 0.5}}}
    port = _free_port()
    argv = [sys.executable, "-m", "fake_bedrock", "--port", str(port), "--admin"]
    env = {**os.environ}
    if via == "flag":
        argv += ["--faults", json.dumps(config)]
    else:
        env["FAKE_BEDROCK_FAULTS"] = json.dumps(config)
    # WHEN the server is started as a process
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until(
            lambda: _read_json(f"{url}/health"),
            timeout=15,
            description="fake_bedrock health",
            retry_on=(OSError,),
        )
        # THEN it serves with that configuration
        shown = client.get_faults(url)
        assert shown["seed"] == 5
        assert shown["operations"]["detect_sentiment"]["error_rate"] == 0.5
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.timeout(30)  # a server that starts instead of refusing would serve for ever
def test_bad_start_configuration_exits_with_an_error() -> None:
    # GIVEN an invalid fault configuration  WHEN the server is started  THEN it exits 2 and says why
    result = subprocess.run(
        [sys.executable, "-m", "fake_bedrock", "--port", "0", "--faults", '{"operations": {"nope": {}}}'],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "unknown operation" in result.stderr

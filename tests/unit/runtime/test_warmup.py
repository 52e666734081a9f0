"""Pre-warming: the handlers answer the warm-up event at once with their clients built, and the warm-up
invocations each function gets after a deploy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest
import typer

from tests.event_files import TICKET_SUBMITTED, load_event
from tests.unit.fakes import FakeLambda
from tests.unit.lambda_loader import FakeLambdaContext, load_handler
from ticketflow.warmup import ENVIRONMENT_ID, WARMUP_KEY, answers_warmup, is_warmup, warmup_event
from ticketflow_dev.cli.deploy import warm
from ticketflow_dev.stack.functions import DeployedFunction
from ticketflow_dev.stack.prewarm import WarmTarget, prewarm

# Each handler answering warm-up events, with the environment its dependency's builder reads.
HANDLERS = {
    "detect_sentiment": {},
    "generate_response": {"BEDROCK_MODEL_ID": "model"},
    "s3_writer": {"BUCKET_NAME": "archive"},
    "warehouse_etl": {
        "BUCKET_NAME": "archive",
        "ARCHIVE_PREFIX": "tickets/",
        "STAGING_PREFIX": "staging/",
        "REDSHIFT_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:warehouse",
    },
}


def test_only_the_warmup_event_is_a_warmup() -> None:
    # GIVEN the warm-up event and events a function really gets
    # WHEN each is told apart
    # THEN only the warm-up event (its key set to true) is one
    assert is_warmup(warmup_event())
    assert not is_warmup(load_event(TICKET_SUBMITTED))
    assert not is_warmup({"Records": []})
    assert not is_warmup({WARMUP_KEY: "yes"})
    assert not is_warmup([warmup_event()])


def test_a_warmup_builds_the_clients_and_skips_the_handler() -> None:
    # GIVEN a handler decorated with two builders
    built: list[str] = []
    handled: list[Any] = []

    @answers_warmup(lambda: built.append("clients"), lambda: built.append("model"))
    def handler(event: Any, context: Any) -> Any:
        handled.append(event)
        return "handled"

    # WHEN it gets the warm-up event, then a ticket
    answer = handler(warmup_event(), None)
    result = handler({"ticket": 1}, None)

    # THEN the warm-up built both and was answered with this environment's id; only the ticket was handled
    assert answer == {WARMUP_KEY: ENVIRONMENT_ID}
    assert built == ["clients", "model"]
    assert handled == [{"ticket": 1}]
    assert result == "handled"


@pytest.fixture(params=sorted(HANDLERS))
def handler_name(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A handler module with the environment its builder reads and its builder's cache emptied after."""
    name = cast(str, request.param)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for key, value in HANDLERS[name].items():
        monkeypatch.setenv(key, value)
    dependency = load_handler(name).lambda_handler.dependency
    dependency.cache_clear()
    yield name
    dependency.cache_clear()


def test_each_handler_answers_the_warmup_with_its_clients_built(
    handler_name: str, lambda_context: FakeLambdaContext
) -> None:
    # GIVEN a pipeline handler whose cached clients are not built yet
    module = load_handler(handler_name)

    # WHEN it gets the warm-up event (offline: building boto3 clients sends nothing)
    answer = module.lambda_handler(warmup_event(), lambda_context)

    # THEN it answers with its environment, and the first ticket will find its clients built
    assert answer == {WARMUP_KEY: ENVIRONMENT_ID}
    assert module.lambda_handler.dependency.cache_info().currsize == 1


def test_prewarm_invokes_each_function_as_often_as_it_may_run() -> None:
    # GIVEN a function that may run 3 at once (two workers answer: one of them twice), a trigger whose
    # handler does not answer warm-up events, and a function that fails
    client = FakeLambda(
        {
            "tasks": [{WARMUP_KEY: "a"}, {WARMUP_KEY: "b"}, {WARMUP_KEY: "a"}],
            "trigger": [{"batchItemFailures": []}],
            "broken": [{"errorMessage": "boom", "errorType": "ImportError"}],
        }
    )
    targets = [WarmTarget("tasks", 3), WarmTarget("trigger", 1), WarmTarget("broken", 1)]
    reported: list[str] = []

    # WHEN the functions are pre-warmed
    warmed = prewarm(
        cast(Any, client), targets, on_warmed=lambda result: reported.append(result.function_name)
    )

    # THEN each got its concurrency's worth of invocations, distinct workers are counted, a handler without
    # warm-up support is told apart from a failure, and each function was reported once
    assert client.invoked == {"tasks": 3, "trigger": 1, "broken": 1}
    by_name = {result.function_name: result for result in warmed}
    assert (by_name["tasks"].environments, by_name["tasks"].errors) == (2, ())
    assert (by_name["trigger"].environments, by_name["trigger"].errors) == (0, ())
    assert by_name["broken"].environments == 0
    assert len(by_name["broken"].errors) == 1
    assert "Unhandled" in by_name["broken"].errors[0]
    assert "boom" in by_name["broken"].errors[0]
    assert reported == ["tasks", "trigger", "broken"]


def test_prewarm_with_nothing_to_warm_invokes_nothing() -> None:
    # GIVEN no functions
    client = FakeLambda({})

    # WHEN they are pre-warmed
    warmed = prewarm(cast(Any, client), [])

    # THEN nothing was invoked
    assert warmed == []
    assert not client.invoked


def _deployed(name: str, concurrency: int) -> DeployedFunction:
    return DeployedFunction(f"Logical{name}", name, name, "sha", concurrency)


def test_a_deploy_stops_when_no_worker_of_a_function_can_start(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a function whose every worker fails to start (its wheels do not import), beside a healthy one
    error = {"errorMessage": "Worker init failed: cannot import name 'ArgsKwargs'", "errorType": "Init"}
    client = FakeLambda({"healthy": [{WARMUP_KEY: "a"}], "broken": [error, error]})

    # WHEN the deploy pre-warms them
    with pytest.raises(typer.Exit) as stopped:
        warm(cast(Any, lambda _service: client), [_deployed("healthy", 1), _deployed("broken", 2)])

    # THEN it stops with that function's error and points at the doctor, instead of waiting on tickets
    assert stopped.value.exit_code == 1
    printed = " ".join(capsys.readouterr().err.split())
    assert "no worker of broken could start" in printed
    assert "ArgsKwargs" in printed
    assert "ticketflow doctor" in printed


def test_a_deploy_goes_on_when_some_workers_of_each_function_start() -> None:
    # GIVEN a function one of whose two workers failed to start (the other serves its tickets)
    error = {"errorMessage": "timed out", "errorType": "Sandbox.Timedout"}
    client = FakeLambda({"flaky": [{WARMUP_KEY: "a"}, error]})
    # WHEN / THEN pre-warming reports it and returns
    warm(cast(Any, lambda _service: client), [_deployed("flaky", 2)])
    assert client.invoked == {"flaky": 2}

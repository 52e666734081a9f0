"""fake_bedrock forwarding Converse to a real model: a stand-in OpenAI-compatible server on an ephemeral
port records what it receives and answers canned completions; unmodified boto3 clients (no retries) and
the pipeline's own BedrockTriage talk to fake_bedrock over HTTP."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from botocore.exceptions import ClientError

from fake_bedrock.server import FakeBedrockServer, serve_in_background
from fake_bedrock.upstream.client import Upstream, UpstreamConfig
from tests.integration.fake_bedrock_clients import TICKET_ID, aws_client, negative, outage_ticket
from ticketflow.enrichment import BedrockTriage, InvalidModelOutputError
from ticketflow.model import Priority
from ticketflow.prompts import SYSTEM_PROMPT, TRIAGE_TOOL_NAME, TRIAGE_TOOL_SPEC, triage_user_message
from ticketflow_dev.faults import fake_bedrock_admin as faults

NOVA = "us.amazon.nova-pro-v1:0"
UPSTREAM_MODEL = "llama3.2"
API_KEY = "local-test-key"


# --- the stand-in OpenAI-compatible server ------------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeOpenAI:
    """What the server received, and what it answers next: (status, JSON body), or hang until released."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    status: int = 200
    answer: Any = None
    hang: bool = False
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answers(self, answer: Any, status: int = 200) -> None:
        self.status, self.answer, self.hang = status, answer, False

    def reset(self) -> None:
        with self.lock:
            self.received.clear()
        self.answers(completion({"role": "assistant", "content": "ok"}))

    def only_request(self) -> Received:
        with self.lock:
            assert len(self.received) == 1, self.received
            return self.received[0]


def completion(message: dict[str, Any], finish_reason: str = "stop", **extra: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": UPSTREAM_MODEL,
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        **extra,
    }


def _handler(state: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: ARG002 (quiet)
            return None

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with state.lock:
                state.received.append(Received(self.path, dict(self.headers.items()), json.loads(raw)))
            if state.hang:
                state.release.wait(timeout=30)
            body = json.dumps(state.answer).encode()
            with contextlib.suppress(OSError):  # a client that gave up has closed the connection
                self.send_response(state.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

    return Handler


@contextlib.contextmanager
def fake_openai() -> Iterator[FakeOpenAI]:
    state = FakeOpenAI()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --- fixtures -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def openai_module() -> Iterator[FakeOpenAI]:
    with fake_openai() as state:
        yield state


@pytest.fixture
def openai(openai_module: FakeOpenAI, server: FakeBedrockServer) -> Iterator[FakeOpenAI]:
    openai_module.reset()
    faults.clear_faults(server.url)
    yield openai_module
    faults.clear_faults(server.url)


@pytest.fixture(scope="module")
def server(openai_module: FakeOpenAI) -> Iterator[FakeBedrockServer]:
    upstream = Upstream(UpstreamConfig(url=openai_module.url, model=UPSTREAM_MODEL, api_key=API_KEY))
    with serve_in_background(admin=True, upstream=upstream) as running:
        yield running


def _hello(bedrock: Any, **kwargs: Any) -> dict[str, Any]:
    result: dict[str, Any] = bedrock.converse(
        modelId=NOVA, messages=[{"role": "user", "content": [{"text": "Say hello."}]}], **kwargs
    )
    return result


def _error(call: Any) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as caught:
        call()
    response = caught.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def _triage_call(arguments: str) -> dict[str, Any]:
    call = {
        "id": "call_7",
        "type": "function",
        "function": {"name": TRIAGE_TOOL_NAME, "arguments": arguments},
    }
    return completion({"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls")


# --- round trips --------------------------------------------------------------------------------------------


def test_plain_converse_round_trip(openai: FakeOpenAI, bedrock: Any) -> None:
    # GIVEN the upstream answers a text completion with its usage
    openai.answers(
        completion(
            {"role": "assistant", "content": "Hello from a real model."},
            usage={"prompt_tokens": 21, "completion_tokens": 6, "total_tokens": 27},
        )
    )
    # WHEN boto3 calls Converse with a system prompt and inference settings
    response = _hello(
        bedrock,
        system=[{"text": "Be brief."}],
        inferenceConfig={"maxTokens": 50, "temperature": 0.5, "topP": 0.9, "stopSequences": ["END"]},
    )
    # THEN the model's text, end_turn, the upstream's token counts and a measured latency come back
    assert response["output"]["message"] == {
        "role": "assistant",
        "content": [{"text": "Hello from a real model."}],
    }
    assert response["stopReason"] == "end_turn"
    assert response["usage"] == {"inputTokens": 21, "outputTokens": 6, "totalTokens": 27}
    assert response["metrics"]["latencyMs"] >= 1
    # AND the upstream received one chat completion for its own model, authorised with the key
    received = openai.only_request()
    assert received.path == "/v1/chat/completions"
    assert received.headers["Authorization"] == f"Bearer {API_KEY}"
    assert received.body == {
        "model": UPSTREAM_MODEL,
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say hello."}],
        "stream": False,
        "max_tokens": 50,
        "temperature": 0.5,
        "top_p": 0.9,
        "stop": ["END"],
    }


def test_pipeline_triage_round_trip(openai: FakeOpenAI, bedrock: Any) -> None:
    # GIVEN the upstream calls the triage tool with a reply that quotes the ticket id
    arguments = {
        "customer_response": f"Hi Ana, we are restoring your RDS instance now. Reference {TICKET_ID}.",
        "priority": "CRITICAL",
        "priority_reasoning": "Production outage stopping orders.",
    }
    openai.answers(_triage_call(json.dumps(arguments)))
    ticket, sentiment = outage_ticket(), negative()
    # WHEN the pipeline's own Bedrock adapter triages the ticket through fake_bedrock
    triage = BedrockTriage(bedrock, NOVA).triage(ticket, sentiment)
    # THEN the model's tool call validates as the pipeline's Triage
    assert triage.priority is Priority.CRITICAL
    assert triage.customer_response == arguments["customer_response"]
    # AND the upstream received the system prompt, the ticket, the tool and the forced tool choice
    body = openai.only_request().body
    assert body["messages"] == [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": triage_user_message(ticket, sentiment)},
    ]
    spec = TRIAGE_TOOL_SPEC["toolSpec"]
    assert body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": TRIAGE_TOOL_NAME,
                "description": spec["description"],
                "parameters": spec["inputSchema"]["json"],
            },
        }
    ]
    assert body["tool_choice"] == {"type": "function", "function": {"name": TRIAGE_TOOL_NAME}}
    assert (body["max_tokens"], body["temperature"]) == (1024, 0.2)


def test_tool_call_response_shape_and_estimated_usage(openai: FakeOpenAI, bedrock: Any) -> None:
    # GIVEN the upstream calls the tool and reports no usage
    openai.answers(_triage_call('{"customer_response": "Hi", "priority": "HIGH", "priority_reasoning": "x"}'))
    # WHEN Converse is called with the triage tool forced
    response = _hello(
        bedrock, toolConfig={"tools": [TRIAGE_TOOL_SPEC], "toolChoice": {"tool": {"name": TRIAGE_TOOL_NAME}}}
    )
    # THEN one toolUse block carries the call id and parsed input; stopReason tool_use; usage is estimated
    assert response["output"]["message"]["content"] == [
        {
            "toolUse": {
                "toolUseId": "call_7",
                "name": TRIAGE_TOOL_NAME,
                "input": {"customer_response": "Hi", "priority": "HIGH", "priority_reasoning": "x"},
            }
        }
    ]
    assert response["stopReason"] == "tool_use"
    usage = response["usage"]
    assert usage["inputTokens"] > 0
    assert usage["outputTokens"] > 0
    assert usage["totalTokens"] == usage["inputTokens"] + usage["outputTokens"]


def test_tool_history_is_forwarded_as_tool_calls_and_results(openai: FakeOpenAI, bedrock: Any) -> None:
    # GIVEN a conversation in which the model called the tool and the caller returned its result
    tool_input = {"customer_response": "Hi", "priority": "HIGH", "priority_reasoning": "x"}
    messages = [
        {"role": "user", "content": [{"text": "Triage this."}]},
        {
            "role": "assistant",
            "content": [{"toolUse": {"toolUseId": "call_7", "name": TRIAGE_TOOL_NAME, "input": tool_input}}],
        },
        {
            "role": "user",
            "content": [{"toolResult": {"toolUseId": "call_7", "content": [{"json": {"stored": True}}]}}],
        },
    ]
    openai.answers(completion({"role": "assistant", "content": "Recorded."}))
    # WHEN Converse continues it
    response = bedrock.converse(modelId=NOVA, messages=messages, toolConfig={"tools": [TRIAGE_TOOL_SPEC]})
    # THEN the model's words come back, and the upstream saw the call and its result in OpenAI's form
    assert response["output"]["message"]["content"] == [{"text": "Recorded."}]
    sent = openai.only_request().body["messages"]
    assert sent[1]["tool_calls"][0]["id"] == "call_7"
    assert json.loads(sent[1]["tool_calls"][0]["function"]["arguments"]) == tool_input
    assert sent[2] == {"role": "tool", "tool_call_id": "call_7", "content": '{"stored": true}'}
    assert "tool_choice" not in openai.only_request().body


def test_length_finish_is_max_tokens(openai: FakeOpenAI, bedrock: Any) -> None:
    # GIVEN the upstream stops at its token limit
    openai.answers(completion({"role": "assistant", "content": "Hello, and welcome to"}, "length"))
    # WHEN Converse is called  THEN stopReason is max_tokens with the partial text
    response = _hello(bedrock, inferenceConfig={"maxTokens": 5})
    assert response["stopReason"] == "max_tokens"
    assert response["output"]["message"]["content"] == [{"text": "Hello, and welcome to"}]


def test_non_json_tool_arguments_become_text(openai: FakeOpenAI, bedrock: Any) -> None:
    # GIVEN the upstream's tool call has arguments that are not JSON
    broken = '{"customer_response": "Hi Ana", "priority": CRIT'
    openai.answers(_triage_call(broken))
    # WHEN Converse is called
    response = _hello(bedrock, toolConfig={"tools": [TRIAGE_TOOL_SPEC]})
    # THEN the arguments come back as a text block and the turn ended, as from a model that broke format
    assert response["output"]["message"]["content"] == [{"text": broken}]
    assert response["stopReason"] == "end_turn"
    # AND the pipeline treats it as invalid model output, not a crash
    with pytest.raises(InvalidModelOutputError, match="did not call the triage tool"):
        BedrockTriage(bedrock, NOVA).triage(outage_ticket(), negative())


# --- errors -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "answer", "code"),
    [
        (
            500,
            {"error": {"message": "CUDA out of memory", "type": "server_error"}},
            "InternalServerException",
        ),
        (503, {"error": "model is loading"}, "ServiceUnavailableException"),
        (429, {"error": {"message": "rate limited"}}, "ThrottlingException"),
    ],
)
def test_upstream_errors_are_bedrock_errors(
    openai: FakeOpenAI, bedrock: Any, status: int, answer: dict[str, Any], code: str
) -> None:
    # GIVEN the upstream fails with an HTTP error
    openai.answers(answer, status=status)
    # WHEN Converse is called  THEN boto3 reads Bedrock's code and status, with the upstream's words
    error_code, http_status, message = _error(lambda: _hello(bedrock))
    assert (error_code, http_status) == (code, {429: 429, 500: 500, 503: 503}[status])
    detail = answer["error"]["message"] if isinstance(answer["error"], dict) else answer["error"]
    assert detail in message


def test_unreachable_upstream_is_service_unavailable() -> None:
    # GIVEN fake_bedrock pointed at a port nothing listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    upstream = Upstream(UpstreamConfig(url=f"http://127.0.0.1:{closed_port}", model=UPSTREAM_MODEL))
    with serve_in_background(upstream=upstream) as server:
        # WHEN Converse is called  THEN ServiceUnavailableException 503 names the upstream
        code, status, message = _error(lambda: _hello(aws_client("bedrock-runtime", server.url)))
    assert (code, status) == ("ServiceUnavailableException", 503)
    assert f"127.0.0.1:{closed_port}" in message


def test_slow_upstream_is_model_timeout(openai: FakeOpenAI) -> None:
    # GIVEN an upstream that does not answer, and fake_bedrock waiting at most 0.3 s for it
    openai.release.clear()
    openai.hang = True
    upstream = Upstream(UpstreamConfig(url=openai.url, model=UPSTREAM_MODEL, timeout_s=0.3))
    try:
        with serve_in_background(upstream=upstream) as server:
            # WHEN Converse is called  THEN ModelTimeoutException 408
            code, status, message = _error(lambda: _hello(aws_client("bedrock-runtime", server.url)))
    finally:
        openai.release.set()
    assert (code, status) == ("ModelTimeoutException", 408)
    assert "0.3 s" in message


def test_a_200_that_is_not_a_completion_is_a_model_error(openai: FakeOpenAI, bedrock: Any) -> None:
    # GIVEN the upstream answers 200 with something other than a chat completion
    openai.answers({"object": "list", "data": []})
    # WHEN Converse is called  THEN ModelErrorException 424
    code, status, _ = _error(lambda: _hello(bedrock))
    assert (code, status) == ("ModelErrorException", 424)


def test_invalid_request_is_refused_before_forwarding(openai: FakeOpenAI, bedrock: Any) -> None:
    # GIVEN a conversation that starts with the assistant (Bedrock refuses it)
    messages = [{"role": "assistant", "content": [{"text": "Hi"}]}]
    # WHEN Converse is called  THEN the usual ValidationException, and the upstream was not asked
    code, status, _ = _error(lambda: bedrock.converse(modelId=NOVA, messages=messages))
    assert (code, status) == ("ValidationException", 400)
    assert openai.received == []


# --- fault injection still applies --------------------------------------------------------------------------


def test_injected_error_comes_before_forwarding(
    openai: FakeOpenAI, server: FakeBedrockServer, bedrock: Any
) -> None:
    # GIVEN converse always throttled by fault injection
    rule = faults.operation_rule(error_rate=1.0, errors=["ThrottlingException"])
    faults.set_operation_faults(server.url, "converse", rule)
    # WHEN Converse is called  THEN ThrottlingException, and the upstream was never asked
    code, status, _ = _error(lambda: _hello(bedrock))
    assert (code, status) == ("ThrottlingException", 429)
    assert openai.received == []


def test_injected_bad_output_spoils_the_real_answer(
    openai: FakeOpenAI, server: FakeBedrockServer, bedrock: Any
) -> None:
    # GIVEN a good triage from the upstream, and converse set to always produce bad output
    good = {"customer_response": f"Hi Ana. {TICKET_ID}", "priority": "HIGH", "priority_reasoning": "Outage."}
    openai.answers(_triage_call(json.dumps(good)))
    faults.set_operation_faults(server.url, "converse", faults.operation_rule(bad_output_rate=1.0))
    # WHEN the pipeline triages  THEN it sees invalid model output, as with the stand-in model
    with pytest.raises(InvalidModelOutputError):
        BedrockTriage(bedrock, NOVA).triage(outage_ticket(), negative())
    # AND the upstream was asked all the same: twice, as the pipeline asks once more after bad output
    assert len(openai.received) == 2


def test_invoke_model_is_still_answered_locally(openai: FakeOpenAI, bedrock: Any) -> None:
    # GIVEN an upstream configured  WHEN InvokeModel is called with a Nova body
    body = {"messages": [{"role": "user", "content": [{"text": "Say hello."}]}]}
    response = bedrock.invoke_model(modelId=NOVA, body=json.dumps(body))
    # THEN the stand-in answers it and the upstream was not asked (only Converse is forwarded)
    assert json.loads(response["body"].read())["output"]["message"]["content"][0]["text"]
    assert openai.received == []

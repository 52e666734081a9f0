"""fake_bedrock's real-model option without a network: Converse ↔ chat completions, error mapping, config."""

from __future__ import annotations

import argparse
import json
from typing import Any

import pytest

from fake_bedrock.__main__ import load_upstream, parse_args
from fake_bedrock.upstream.client import (
    UpstreamConfig,
    UpstreamConfigError,
    error_for_status,
    transport_error,
)
from fake_bedrock.upstream.translate import (
    MalformedCompletionError,
    chat_messages,
    chat_request,
    converse_response,
    spoil,
    stop_reason_for,
    tool_use_block,
    tool_use_id,
)
from fake_bedrock.wire import BadOutput
from ticketflow.prompts import SYSTEM_PROMPT, TRIAGE_TOOL_NAME, TRIAGE_TOOL_SPEC

TRIAGE_INPUT = {"customer_response": "Hi Ana", "priority": "HIGH", "priority_reasoning": "Outage."}


def _triage_request(**overrides: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "system": [{"text": SYSTEM_PROMPT}],
        "messages": [{"role": "user", "content": [{"text": "Ticket ID: TKT-1"}]}],
        "inferenceConfig": {"maxTokens": 1024, "temperature": 0.2},
        "toolConfig": {"tools": [TRIAGE_TOOL_SPEC], "toolChoice": {"tool": {"name": TRIAGE_TOOL_NAME}}},
    }
    return request | overrides


def _completion(message: dict[str, Any], finish_reason: str = "stop", **extra: Any) -> dict[str, Any]:
    return {"choices": [{"index": 0, "message": message, "finish_reason": finish_reason}], **extra}


# --- Converse → chat completions ---------------------------------------------------------------------------


def test_triage_request_translates_system_messages_config_and_tools() -> None:
    # GIVEN the pipeline's triage request
    # WHEN it is translated for model llama3.2
    chat = chat_request(_triage_request(), "llama3.2")
    # THEN the system prompt leads, the user turn follows, the config and the forced tool are carried over
    assert chat["model"] == "llama3.2"
    assert chat["stream"] is False
    assert chat["messages"] == [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": "Ticket ID: TKT-1"},
    ]
    assert (chat["max_tokens"], chat["temperature"]) == (1024, 0.2)
    assert "top_p" not in chat
    assert "stop" not in chat
    spec = TRIAGE_TOOL_SPEC["toolSpec"]
    assert chat["tools"] == [
        {
            "type": "function",
            "function": {
                "name": TRIAGE_TOOL_NAME,
                "description": spec["description"],
                "parameters": spec["inputSchema"]["json"],
            },
        }
    ]
    assert chat["tool_choice"] == {"type": "function", "function": {"name": TRIAGE_TOOL_NAME}}


def test_top_p_and_stop_sequences_and_several_system_blocks() -> None:
    # GIVEN topP, stop sequences and two system blocks, no tools
    body = {
        "system": [{"text": "Be brief."}, {"text": "Answer in English."}],
        "messages": [{"role": "user", "content": [{"text": "hi"}, {"text": "there"}]}],
        "inferenceConfig": {"topP": 0.9, "stopSequences": ["END", "STOP"]},
    }
    # WHEN translated
    chat = chat_request(body, "m")
    # THEN the system blocks join into one message, text blocks into one content, and no tools are sent
    assert chat["messages"][0] == {"role": "system", "content": "Be brief.\nAnswer in English."}
    assert chat["messages"][1] == {"role": "user", "content": "hi\nthere"}
    assert (chat["top_p"], chat["stop"]) == (0.9, ["END", "STOP"])
    assert "max_tokens" not in chat
    assert "tools" not in chat
    assert "tool_choice" not in chat


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ({"tool": {"name": "record_triage"}}, {"type": "function", "function": {"name": "record_triage"}}),
        ({"any": {}}, "required"),
        ({"auto": {}}, "auto"),
    ],
)
def test_tool_choice(choice: dict[str, Any], expected: Any) -> None:
    # GIVEN a toolChoice  WHEN translated  THEN it is OpenAI's equivalent
    body = _triage_request(toolConfig={"tools": [TRIAGE_TOOL_SPEC], "toolChoice": choice})
    assert chat_request(body, "m")["tool_choice"] == expected


def test_tools_without_tool_choice_leave_it_to_the_server() -> None:
    # GIVEN tools and no toolChoice  WHEN translated  THEN tools are sent and tool_choice is not
    chat = chat_request(_triage_request(toolConfig={"tools": [TRIAGE_TOOL_SPEC]}), "m")
    assert [t["function"]["name"] for t in chat["tools"]] == [TRIAGE_TOOL_NAME]
    assert "tool_choice" not in chat


def test_tool_use_history_becomes_tool_calls_and_tool_messages() -> None:
    # GIVEN a conversation where the assistant called a tool and the user returned its result with a question
    assistant = {
        "role": "assistant",
        "content": [
            {"text": "Let me record that."},
            {"toolUse": {"toolUseId": "tooluse_1", "name": TRIAGE_TOOL_NAME, "input": TRIAGE_INPUT}},
        ],
    }
    user = {
        "role": "user",
        "content": [
            {"toolResult": {"toolUseId": "tooluse_1", "content": [{"text": "stored"}, {"json": {"id": 7}}]}},
            {"text": "Now summarise."},
        ],
    }
    # WHEN each is translated
    assistant_messages = chat_messages(assistant)
    user_messages = chat_messages(user)
    # THEN the tool call carries its id, name and JSON arguments
    assert assistant_messages == [
        {
            "role": "assistant",
            "content": "Let me record that.",
            "tool_calls": [
                {
                    "id": "tooluse_1",
                    "type": "function",
                    "function": {"name": TRIAGE_TOOL_NAME, "arguments": json.dumps(TRIAGE_INPUT)},
                }
            ],
        }
    ]
    # AND the result comes first as a tool message (OpenAI wants it right after the call), then the text
    assert user_messages == [
        {"role": "tool", "tool_call_id": "tooluse_1", "content": 'stored\n{"id": 7}'},
        {"role": "user", "content": "Now summarise."},
    ]


def test_assistant_tool_call_without_text_and_error_results() -> None:
    # GIVEN an assistant turn that is only a tool call, and a failed tool result alone
    assistant = {"role": "assistant", "content": [{"toolUse": {"toolUseId": "t", "name": "x", "input": {}}}]}
    user = {
        "role": "user",
        "content": [{"toolResult": {"toolUseId": "t", "status": "error", "content": [{"text": "boom"}]}}],
    }
    # WHEN translated
    (call,) = chat_messages(assistant)
    # THEN the assistant's content is null (as OpenAI expects beside tool_calls); the error is marked
    assert call["content"] is None
    assert call["tool_calls"][0]["function"]["arguments"] == "{}"
    assert chat_messages(user) == [{"role": "tool", "tool_call_id": "t", "content": "Error: boom"}]


# --- chat completion → Converse ----------------------------------------------------------------------------


def test_text_completion_becomes_a_text_block_with_usage() -> None:
    # GIVEN a plain completion with usage
    completion = _completion(
        {"role": "assistant", "content": "Hello Ana."},
        usage={"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15},
    )
    # WHEN translated
    response = converse_response(completion, _triage_request(), latency_ms=42)
    # THEN the text, end_turn, the server's counts and the latency come back in Converse's shape
    assert response == {
        "output": {"message": {"role": "assistant", "content": [{"text": "Hello Ana."}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": 12, "outputTokens": 3, "totalTokens": 15},
        "metrics": {"latencyMs": 42},
    }


def test_tool_call_becomes_a_tool_use_block() -> None:
    # GIVEN a completion that calls the triage tool
    call = {
        "id": "call_abc123",
        "type": "function",
        "function": {"name": TRIAGE_TOOL_NAME, "arguments": json.dumps(TRIAGE_INPUT)},
    }
    completion = _completion({"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls")
    # WHEN translated
    response = converse_response(completion, _triage_request(), latency_ms=5)
    # THEN one toolUse block with the call's id and the parsed arguments, stopReason tool_use
    assert response["output"]["message"]["content"] == [
        {"toolUse": {"toolUseId": "call_abc123", "name": TRIAGE_TOOL_NAME, "input": TRIAGE_INPUT}}
    ]
    assert response["stopReason"] == "tool_use"


def test_non_json_arguments_become_a_text_block_and_end_turn() -> None:
    # GIVEN a tool call whose arguments are not JSON (a model that broke its format)
    broken = '{"customer_response": "Hi Ana", "priority": '
    call = {"id": "call_1", "type": "function", "function": {"name": TRIAGE_TOOL_NAME, "arguments": broken}}
    completion = _completion({"role": "assistant", "content": "", "tool_calls": [call]}, "tool_calls")
    # WHEN translated
    response = converse_response(completion, _triage_request(), latency_ms=5)
    # THEN the raw arguments are a text block, and the turn simply ended
    assert response["output"]["message"]["content"] == [{"text": broken}]
    assert response["stopReason"] == "end_turn"


def test_arguments_that_are_json_but_not_an_object_are_text_too() -> None:
    # GIVEN arguments that parse to a list  WHEN translated  THEN a text block, not a toolUse
    call = {"id": "c", "function": {"name": "x", "arguments": "[1, 2]"}}
    assert tool_use_block(call) == {"text": "[1, 2]"}


def test_arguments_already_an_object_are_kept() -> None:
    # GIVEN a server that sends arguments as an object (Ollama's native habit)  THEN they are the input
    call = {"id": "c", "function": {"name": "x", "arguments": {"a": 1}}}
    assert tool_use_block(call) == {"toolUse": {"toolUseId": "c", "name": "x", "input": {"a": 1}}}


def test_tool_use_ids_are_made_valid() -> None:
    # GIVEN call ids with characters Bedrock's toolUseId pattern rejects, too long, or missing
    # THEN they are cleaned, capped at 64, or made up deterministically
    assert tool_use_id("call:1/2", "x", 0) == "call_1_2"
    assert len(tool_use_id("a" * 100, "x", 0)) == 64
    made_up = tool_use_id(None, "x", 0)
    assert made_up.startswith("tooluse_")
    assert made_up == tool_use_id("", "x", 0) != tool_use_id("", "x", 1)


@pytest.mark.parametrize(
    ("finish_reason", "has_tool_use", "expected"),
    [
        ("stop", False, "end_turn"),
        ("length", False, "max_tokens"),
        ("tool_calls", True, "tool_use"),
        ("stop", True, "tool_use"),  # some servers say stop after a tool call
        ("tool_calls", False, "end_turn"),  # the call did not parse
        ("content_filter", False, "content_filtered"),
        (None, False, "end_turn"),
    ],
)
def test_stop_reason(finish_reason: str | None, has_tool_use: bool, expected: str) -> None:
    # GIVEN a finish_reason  WHEN mapped  THEN Bedrock's stopReason
    assert stop_reason_for(finish_reason, has_tool_use=has_tool_use) == expected


def test_length_finish_is_max_tokens() -> None:
    # GIVEN a completion cut at max_tokens  WHEN translated  THEN stopReason max_tokens
    completion = _completion({"role": "assistant", "content": "Hello, this is a long"}, "length")
    assert converse_response(completion, _triage_request(), latency_ms=1)["stopReason"] == "max_tokens"


def test_usage_is_estimated_when_absent() -> None:
    # GIVEN a completion without usage
    completion = _completion({"role": "assistant", "content": "Hello Ana, we are on it."})
    # WHEN translated
    usage = converse_response(completion, _triage_request(), latency_ms=1)["usage"]
    # THEN the counts are positive estimates (the system prompt alone is well over 100 tokens) and add up
    assert usage["inputTokens"] > 100
    assert usage["outputTokens"] >= 5
    assert usage["totalTokens"] == usage["inputTokens"] + usage["outputTokens"]


def test_content_parts_and_zero_latency() -> None:
    # GIVEN content as a list of parts, and a latency rounded to 0
    completion = _completion({"role": "assistant", "content": [{"type": "text", "text": "Hi"}]})
    response = converse_response(completion, _triage_request(), latency_ms=0)
    # THEN the parts are joined into the text block, and latency is at least 1 ms as Bedrock reports
    assert response["output"]["message"]["content"] == [{"text": "Hi"}]
    assert response["metrics"]["latencyMs"] == 1


@pytest.mark.parametrize("completion", [{}, {"choices": []}, {"choices": [{"finish_reason": "stop"}]}, []])
def test_not_a_completion(completion: Any) -> None:
    # GIVEN a 200 answer that is not a chat completion  WHEN translated  THEN it is refused
    with pytest.raises(MalformedCompletionError):
        converse_response(completion, _triage_request(), latency_ms=1)


# --- injected bad output -----------------------------------------------------------------------------------


def _tool_response() -> dict[str, Any]:
    call = {"id": "c1", "function": {"name": TRIAGE_TOOL_NAME, "arguments": json.dumps(TRIAGE_INPUT)}}
    completion = _completion({"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls")
    return converse_response(completion, _triage_request(), latency_ms=1)


def test_spoil_text_instead_of_tool() -> None:
    # GIVEN a good tool call  WHEN spoiled as text instead of a tool  THEN half a JSON payload in prose
    spoiled = spoil(_tool_response(), BadOutput.TEXT_INSTEAD_OF_TOOL, _triage_request())
    (block,) = spoiled["output"]["message"]["content"]
    assert block["text"].startswith(f"Here is the {TRIAGE_TOOL_NAME} call:\n```json\n{{")
    assert spoiled["stopReason"] == "end_turn"


def test_spoil_garbled_tool_input_drops_a_required_field_and_breaks_the_enum() -> None:
    # GIVEN a good tool call  WHEN spoiled as garbled input
    spoiled = spoil(_tool_response(), BadOutput.GARBLED_TOOL_INPUT, _triage_request())
    (block,) = spoiled["output"]["message"]["content"]
    # THEN it is still a tool call, without priority_reasoning and with a priority off the list
    assert block["toolUse"]["input"] == {"customer_response": "Hi Ana", "priority": "UNSPECIFIED"}
    assert spoiled["stopReason"] == "tool_use"


def test_spoil_plain_text_is_broken_json() -> None:
    # GIVEN a text answer  WHEN spoiled  THEN a truncated JSON fragment
    response = converse_response(
        _completion({"role": "assistant", "content": "Hello there"}), _triage_request(), latency_ms=1
    )
    spoiled = spoil(response, BadOutput.BROKEN_JSON_TEXT, _triage_request())
    assert spoiled["output"]["message"]["content"] == [{"text": '{"answer": "Hello'}]


# --- errors and configuration ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (500, "InternalServerException"),
        (501, "InternalServerException"),
        (502, "ServiceUnavailableException"),
        (503, "ServiceUnavailableException"),
        (504, "ModelTimeoutException"),
        (429, "ThrottlingException"),
        (408, "ModelTimeoutException"),
        (401, "AccessDeniedException"),
        (404, "ResourceNotFoundException"),
        (400, "ValidationException"),
    ],
)
def test_error_for_status(status: int, code: str) -> None:
    # GIVEN an upstream error status  WHEN mapped  THEN Bedrock's code, with the upstream's words
    error = error_for_status(status, "model 'x' not found")
    assert error.code == code
    assert error.message.endswith(f"answered {status}: model 'x' not found")


def test_transport_errors() -> None:
    # GIVEN a timeout and a refused connection  WHEN mapped  THEN ModelTimeout and ServiceUnavailable
    config = UpstreamConfig(url="http://127.0.0.1:9", model="m", timeout_s=2)
    assert transport_error(TimeoutError("timed out"), config).code == "ModelTimeoutException"
    refused = transport_error(ConnectionRefusedError(111, "Connection refused"), config)
    assert refused.code == "ServiceUnavailableException"
    assert "http://127.0.0.1:9/v1/chat/completions" in refused.message


@pytest.mark.parametrize(
    ("url", "endpoint"),
    [
        ("http://127.0.0.1:11434", "http://127.0.0.1:11434/v1/chat/completions"),
        ("http://127.0.0.1:11434/", "http://127.0.0.1:11434/v1/chat/completions"),
        ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1/chat/completions"),
        ("https://llm.example/v1/chat/completions", "https://llm.example/v1/chat/completions"),
    ],
)
def test_endpoint(url: str, endpoint: str) -> None:
    # GIVEN a base URL in any usual spelling  THEN the chat-completions endpoint
    assert UpstreamConfig(url=url, model="m").endpoint == endpoint


@pytest.mark.parametrize(
    "kwargs",
    [
        {"url": "file:///etc/passwd", "model": "m"},
        {"url": "127.0.0.1:11434", "model": "m"},
        {"url": "http://127.0.0.1:11434", "model": " "},
        {"url": "http://127.0.0.1:11434", "model": "m", "timeout_s": 0},
    ],
)
def test_bad_config_is_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(UpstreamConfigError):
        UpstreamConfig(**kwargs)


def test_api_key_is_not_in_the_repr() -> None:
    assert "sekrit" not in repr(UpstreamConfig(url="http://h", model="m", api_key="sekrit"))


def _args(argv: list[str], monkeypatch: pytest.MonkeyPatch, **env: str) -> argparse.Namespace:
    for name in ("URL", "MODEL", "TIMEOUT", "API_KEY"):
        monkeypatch.delenv(f"FAKE_BEDROCK_UPSTREAM_{name}", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return parse_args(argv)


def test_no_upstream_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN no flags and no environment  THEN no upstream: the stand-in model answers
    assert load_upstream(_args([], monkeypatch), environ={}) is None


def test_upstream_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the environment variables
    args = _args(
        [],
        monkeypatch,
        FAKE_BEDROCK_UPSTREAM_URL="http://127.0.0.1:11434",
        FAKE_BEDROCK_UPSTREAM_MODEL="llama3.2",
        FAKE_BEDROCK_UPSTREAM_TIMEOUT="7.5",
    )
    # WHEN loaded  THEN they configure the upstream, the key from the environment
    upstream = load_upstream(args, environ={"FAKE_BEDROCK_UPSTREAM_API_KEY": "k"})
    assert upstream is not None
    assert upstream.config == UpstreamConfig("http://127.0.0.1:11434", "llama3.2", "k", 7.5)


def test_flags_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN both  WHEN loaded  THEN the flags win
    argv = ["--upstream-url", "http://h:1", "--upstream-model", "qwen", "--upstream-timeout", "3"]
    args = _args(argv, monkeypatch, FAKE_BEDROCK_UPSTREAM_URL="http://other:2")
    upstream = load_upstream(args, environ={})
    assert upstream is not None
    assert (upstream.config.url, upstream.config.model, upstream.config.timeout_s) == (
        "http://h:1",
        "qwen",
        3,
    )


@pytest.mark.parametrize(
    "argv", [["--upstream-url", "http://h:1"], ["--upstream-model", "llama3.2"]], ids=["no model", "no url"]
)
def test_half_a_configuration_is_refused(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN only one of URL and model  THEN the configuration is refused (fake_bedrock exits 2)
    with pytest.raises(UpstreamConfigError):
        load_upstream(_args(argv, monkeypatch), environ={})

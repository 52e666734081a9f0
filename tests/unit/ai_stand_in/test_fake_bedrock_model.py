"""fake_bedrock's model side without a network: tokens, model ids, tool inputs, completions."""

from __future__ import annotations

from typing import Any

import pytest

from fake_bedrock import tokens
from fake_bedrock.engine import Prompt, Tool, ToolMode, Turn, fill
from fake_bedrock.local_model import generate
from fake_bedrock.malformed import garble
from fake_bedrock.protocols import model_ids as models
from fake_bedrock.protocols.converse import parse_prompt
from fake_bedrock.protocols.errors import ServiceError
from fake_bedrock.wire import BadOutput, StopReason

TRIAGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "customer_response": {"type": "string"},
        "priority": {"type": "string", "enum": ["CRITICAL", "HIGH", "MEDIUM", "NORMAL"]},
        "priority_reasoning": {"type": "string"},
    },
    "required": ["customer_response", "priority", "priority_reasoning"],
}
TICKET = (
    "Ticket ID: TKT-20240101-0042\nCustomer: Ana Diaz\nCustomer first name: Ana\nCompany: Acme\n"
    "Product: Amazon S3\nIssue type: Outage\n"
    "Sentiment: NEGATIVE (positive 0.01, negative 0.90, neutral 0.05, mixed 0.04)\n"
    "Subject: Buckets down\nDescription:\nProduction buckets return 503 since 9am; revenue stopped."
)


def _prompt(**overrides: Any) -> Prompt:
    fields: dict[str, Any] = {
        "system": "Triage the ticket, then call the record_triage tool.",
        "turns": (Turn("user", TICKET),),
        "max_tokens": 1024,
        "tools": (Tool("record_triage", "Record the triage.", TRIAGE_SCHEMA),),
        "tool_mode": ToolMode.TOOL,
        "tool_name": "record_triage",
    }
    return Prompt(**{**fields, **overrides})


def test_tokens_round_trip_and_truncate_on_a_token_boundary() -> None:
    # GIVEN a sentence
    text = "Hello Ana, thanks for contacting us about S3 replication."
    # WHEN it is tokenized and cut to four tokens
    pieces = tokens.tokenize(text)
    cut, was_cut = tokens.truncate(text, 4)
    # THEN the pieces join back to the text and the cut keeps exactly four tokens
    assert "".join(pieces) == text
    assert was_cut
    assert tokens.count(cut) == 4
    assert text.startswith(cut)
    assert tokens.truncate(text, 1000) == (text, False)


@pytest.mark.parametrize(
    ("model_id", "family"),
    [
        ("amazon.nova-pro-v1:0", models.Family.NOVA),
        ("us.amazon.nova-pro-v1:0", models.Family.NOVA),
        ("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0", models.Family.NOVA),
        (
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.amazon.nova-micro-v1:0",
            models.Family.NOVA,
        ),
        ("us.anthropic.claude-sonnet-4-20250514-v1:0", models.Family.CLAUDE),
        ("anthropic.claude-3-haiku-20240307-v1:0", models.Family.CLAUDE),
        ("amazon.titan-text-express-v1", models.Family.TITAN),
    ],
)
def test_model_ids_and_inference_profiles_resolve(model_id: str, family: models.Family) -> None:
    # GIVEN a model id, profile id or ARN  WHEN it is resolved  THEN the family is the model's
    assert models.resolve(model_id).family is family


@pytest.mark.parametrize(
    ("model_id", "code", "fragment"),
    [
        ("amazon.nova-pro-v1", "ValidationException", "model identifier is invalid"),
        ("bad id!", "ValidationException", "regular expression pattern"),
        ("anthropic.claude-v2", "ResourceNotFoundException", "end of its life"),
        ("anthropic.claude-sonnet-4-20250514-v1:0", "ValidationException", "inference profile"),
        ("us.amazon.titan-text-express-v1", "ValidationException", "model identifier is invalid"),
        (
            "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcdef123456",
            "ResourceNotFoundException",
            "",
        ),
    ],
)
def test_bad_model_ids_fail_like_bedrock(model_id: str, code: str, fragment: str) -> None:
    # GIVEN an id Bedrock would refuse  WHEN it is resolved  THEN the error is Bedrock's
    with pytest.raises(ServiceError) as caught:
        models.resolve(model_id)
    assert caught.value.code == code
    assert fragment in caught.value.message


def test_forced_tool_call_carries_the_triage_and_validates() -> None:
    # GIVEN the triage prompt with toolChoice naming the tool
    prompt = _prompt()
    # WHEN the model answers
    completion = generate(prompt, salt="a")
    # THEN it calls the tool with schema-valid input that quotes the ticket id
    assert completion.stop_reason is StopReason.TOOL_USE
    assert completion.tool_call is not None
    arguments = completion.tool_call.input
    assert set(arguments) == set(TRIAGE_SCHEMA["required"])
    assert arguments["priority"] in TRIAGE_SCHEMA["properties"]["priority"]["enum"]
    assert "TKT-20240101-0042" in arguments["customer_response"]
    assert completion.input_tokens > 0
    assert completion.output_tokens > 0


def test_same_request_gives_the_same_answer() -> None:
    # GIVEN one prompt  WHEN it is answered twice with the same salt  THEN the answers are identical
    assert generate(_prompt(), salt="x") == generate(_prompt(), salt="x")


def test_auto_mode_calls_a_tool_only_when_the_prompt_asks_for_it() -> None:
    # GIVEN auto tool choice with and without the tool named in the prompt
    asked = _prompt(tool_mode=ToolMode.AUTO, tool_name=None)
    not_asked = _prompt(system="Be brief.", turns=(Turn("user", "What is S3?"),), tool_mode=ToolMode.AUTO)
    # WHEN the model answers  THEN only the first calls the tool
    assert generate(asked, salt="a").stop_reason is StopReason.TOOL_USE
    assert generate(not_asked, salt="a").stop_reason is StopReason.END_TURN


def test_after_a_tool_result_the_model_answers_in_words() -> None:
    # GIVEN a conversation whose last user turn returns a tool result
    turns = (Turn("user", TICKET), Turn("assistant", ""), Turn("user", "recorded", tool_results=1))
    # WHEN the model answers  THEN it writes text and stops its turn
    completion = generate(_prompt(turns=turns, tool_mode=ToolMode.ANY), salt="a")
    assert completion.stop_reason is StopReason.END_TURN
    assert completion.tool_call is None


def test_max_tokens_truncates_text_and_cuts_off_tool_calls() -> None:
    # GIVEN tiny token budgets
    text_prompt = _prompt(tools=(), tool_mode=None, max_tokens=3)
    tool_prompt = _prompt(max_tokens=10)
    # WHEN the model answers
    text = generate(text_prompt, salt="a")
    tool = generate(tool_prompt, salt="a")
    # THEN both stop at max_tokens within budget, and the cut tool call is no tool call
    assert (text.stop_reason, text.output_tokens) == (StopReason.MAX_TOKENS, 3)
    assert tool.stop_reason is StopReason.MAX_TOKENS
    assert tool.tool_call is None
    assert tool.output_tokens <= 10


def test_stop_sequences_end_the_text() -> None:
    # GIVEN a stop sequence taken from the middle of the model's plain answer
    plain = generate(_prompt(tools=(), tool_mode=None), salt="a").text
    assert plain is not None
    words = plain.split()
    sequence = words[len(words) // 2]
    prompt = _prompt(tools=(), tool_mode=None, stop_sequences=(sequence,))
    # WHEN the model answers with the stop sequence set
    completion = generate(prompt, salt="a")
    # THEN the text ends before the sequence's first occurrence
    assert completion.stop_reason is StopReason.STOP_SEQUENCE
    assert completion.stop_sequence == sequence
    assert completion.text == plain.split(sequence, 1)[0]


def test_bad_output_variants_are_not_valid_tool_calls() -> None:
    # GIVEN the triage prompt  WHEN bad output is injected
    as_text = generate(_prompt(), salt="a", bad_output=BadOutput.TEXT_INSTEAD_OF_TOOL)
    garbled = generate(_prompt(), salt="a", bad_output=BadOutput.GARBLED_TOOL_INPUT)
    # THEN one is prose with broken JSON and the other a tool call that fails the schema
    assert as_text.tool_call is None
    assert as_text.text is not None
    assert "```json" in as_text.text
    assert garbled.tool_call is not None
    assert not set(TRIAGE_SCHEMA["required"]) <= set(garbled.tool_call.input)


def test_fill_honours_the_schema_keywords() -> None:
    # GIVEN a schema with nested objects, arrays, enums, bounds and defaults
    schema = {
        "type": "object",
        "properties": {
            "count": {"type": "integer", "minimum": 3},
            "ratio": {"type": "number", "exclusiveMinimum": 0},
            "flag": {"type": "boolean"},
            "kind": {"enum": ["a", "b"]},
            "tags": {"type": "array", "items": {"type": "string", "maxLength": 4}, "minItems": 2},
            "nested": {"type": "object", "properties": {"mode": {"type": "string", "default": "fast"}}},
            "maybe": {"type": ["null", "string"], "minLength": 30},
        },
    }
    # WHEN it is filled
    value = fill(schema, {}, fallback="fallback text")
    # THEN every keyword is respected
    assert value["count"] == 3
    assert value["ratio"] > 0
    assert value["flag"] is False
    assert value["kind"] == "a"
    assert len(value["tags"]) == 2
    assert all(len(tag) <= 4 for tag in value["tags"])
    assert value["nested"] == {"mode": "fast"}
    assert len(value["maybe"]) >= 30


def test_garble_without_required_or_enum_wraps_the_raw_output() -> None:
    # GIVEN arguments the schema constrains nowhere  WHEN they are garbled  THEN the raw text is all there is
    assert garble({"a": "x"}, {"type": "object"}, '{"a": "x"}') == {"raw_output": '{"a":'}


def test_converse_fields_are_checked_like_bedrock() -> None:
    # GIVEN Nova Pro and requests Bedrock refuses
    nova = models.resolve("amazon.nova-pro-v1:0")
    titan = models.resolve("amazon.titan-text-express-v1")
    user = {"role": "user", "content": [{"text": "hi"}]}
    tool = {"toolSpec": {"name": "t", "inputSchema": {"json": {"type": "object"}}}}
    cases: list[tuple[models.ModelSpec, dict[str, Any], str]] = [
        (nova, {"messages": []}, "must start with a user message"),
        (nova, {"messages": [user, user]}, "must alternate"),
        (nova, {"messages": [{"role": "user", "content": []}]}, "is empty"),
        (nova, {"messages": [{"role": "user", "content": [{"text": "  "}]}]}, "is blank"),
        (nova, {"messages": [user], "inferenceConfig": {"maxTokens": 10_001}}, "exceeds the model limit"),
        (nova, {"messages": [user], "inferenceConfig": {"temperature": 1.5}}, "temperature"),
        (
            nova,
            {"messages": [user], "toolConfig": {"tools": [tool], "toolChoice": {"tool": {"name": "x"}}}},
            "x",
        ),
        (titan, {"messages": [user], "toolConfig": {"tools": [tool]}}, "doesn't support tool use"),
    ]
    for model, body, fragment in cases:
        # WHEN the prompt is parsed  THEN a ValidationException names the problem
        with pytest.raises(ServiceError) as caught:
            parse_prompt(model, body)
        assert caught.value.code == "ValidationException", body
        assert fragment in caught.value.message, body

"""fake_bedrock on the wire: unmodified boto3 clients over real HTTP, every operation and error path.

botocore validates what it parses against the service model, so a response that parses has the real shape;
errors are checked by `Error.Code` and HTTP status as botocore reads them.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote

import pytest
from botocore.exceptions import ClientError

from fake_bedrock.server import FakeBedrockServer
from tests.integration.fake_bedrock_clients import negative, outage_ticket
from ticketflow.enrichment import BedrockTriage, ComprehendSentiment, parse_triage
from ticketflow.model import Priority
from ticketflow.prompts import SYSTEM_PROMPT, TRIAGE_TOOL_NAME, TRIAGE_TOOL_SPEC, triage_user_message

NOVA = "us.amazon.nova-pro-v1:0"
CLAUDE = "anthropic.claude-3-5-haiku-20241022-v1:0"
TITAN = "amazon.titan-text-express-v1"


def _user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": [{"text": text}]}]


def _error(call: Any, **kwargs: Any) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


# --- health ---------------------------------------------------------------------------------------------


def test_health(server: FakeBedrockServer) -> None:
    # GIVEN a running server without an upstream  WHEN /health is read
    with urllib.request.urlopen(f"{server.url}/health", timeout=5) as response:
        # THEN it answers 200 JSON, saying the stand-in answers Converse
        assert response.status == 200
        assert json.loads(response.read()) == {
            "status": "ok",
            "service": "fake_bedrock",
            "converse": "stand-in",
        }


# --- Comprehend -----------------------------------------------------------------------------------------


def test_detect_sentiment(comprehend: Any) -> None:
    # GIVEN an angry ticket  WHEN DetectSentiment is called
    result = comprehend.detect_sentiment(
        Text="This is unacceptable, production is down and we are losing money!", LanguageCode="en"
    )
    # THEN a label and four scores summing to one come back
    assert result["Sentiment"] in ("POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED")
    scores = result["SentimentScore"]
    assert set(scores) == {"Positive", "Negative", "Neutral", "Mixed"}
    assert sum(scores.values()) == pytest.approx(1.0, abs=1e-6)
    assert result["ResponseMetadata"]["RequestId"]


def test_detect_sentiment_through_the_pipeline_adapter(comprehend: Any) -> None:
    # GIVEN the pipeline's Comprehend adapter on the stand-in  WHEN it detects sentiment
    result = ComprehendSentiment(comprehend).detect("Thanks, the new dashboards are excellent!")  # type: ignore[arg-type, unused-ignore]
    # THEN it validates into the shared model
    assert result.sentiment.value in ("POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED")


def test_batch_detect_sentiment_indexes_results(comprehend: Any) -> None:
    # GIVEN three documents  WHEN BatchDetectSentiment is called
    texts = ["I love it, thank you!", "Everything is broken and nobody answers.", "What port does RDS use?"]
    result = comprehend.batch_detect_sentiment(TextList=texts, LanguageCode="en")
    # THEN each has a result at its index and each matches the single-document answer
    assert [r["Index"] for r in result["ResultList"]] == [0, 1, 2]
    assert result["ErrorList"] == []
    for item, text in zip(result["ResultList"], texts, strict=True):
        assert item["Sentiment"] == comprehend.detect_sentiment(Text=text, LanguageCode="en")["Sentiment"]


@pytest.mark.parametrize(
    ("operation", "kwargs", "code"),
    [
        ("detect_sentiment", {"Text": "x" * 5001, "LanguageCode": "en"}, "TextSizeLimitExceededException"),
        ("detect_sentiment", {"Text": "ü" * 2501, "LanguageCode": "en"}, "TextSizeLimitExceededException"),
        ("detect_sentiment", {"Text": "hola", "LanguageCode": "nl"}, "ValidationException"),
        ("detect_sentiment", {"Text": "\ud800", "LanguageCode": "en"}, "InvalidRequestException"),
        (
            "batch_detect_sentiment",
            {"TextList": ["a"] * 26, "LanguageCode": "en"},
            "BatchSizeLimitExceededException",
        ),
        (
            "batch_detect_sentiment",
            {"TextList": ["a", "b" * 5001], "LanguageCode": "en"},
            "TextSizeLimitExceededException",
        ),
        ("batch_detect_sentiment", {"TextList": ["a"], "LanguageCode": "xx"}, "ValidationException"),
    ],
)
def test_comprehend_errors(comprehend: Any, operation: str, kwargs: dict[str, Any], code: str) -> None:
    # GIVEN a request over a real Comprehend limit  WHEN it is sent  THEN botocore raises the real error, 400
    assert _error(getattr(comprehend, operation), **kwargs)[:2] == (code, 400)


def test_comprehend_rejects_unknown_targets(server: FakeBedrockServer) -> None:
    # GIVEN a JSON 1.1 request for an operation the stand-in does not serve
    request = urllib.request.Request(
        f"{server.url}/",
        data=b"{}",
        method="POST",
        headers={
            "X-Amz-Target": "Comprehend_20171127.DetectSyntax",
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    # WHEN it is sent  THEN it is refused with the JSON 1.1 error shape
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    assert caught.value.code == 400
    assert json.loads(caught.value.read())["__type"] == "UnknownOperationException"


# --- Bedrock Converse -----------------------------------------------------------------------------------


def test_converse_triage_tool_use_validates(bedrock: Any) -> None:
    # GIVEN the pipeline's own triage request (system prompt, tool spec, forced tool choice)
    ticket, sentiment = outage_ticket(), negative()
    # WHEN Converse is called exactly as GenerateResponse calls it
    response = bedrock.converse(
        modelId=NOVA,
        system=[{"text": SYSTEM_PROMPT}],
        messages=_user(triage_user_message(ticket, sentiment)),
        inferenceConfig={"maxTokens": 1024, "temperature": 0.2},
        toolConfig={"tools": [TRIAGE_TOOL_SPEC], "toolChoice": {"tool": {"name": TRIAGE_TOOL_NAME}}},
    )
    # THEN the answer is a record_triage call whose input validates as the pipeline's Triage
    assert response["stopReason"] == "tool_use"
    content = response["output"]["message"]["content"]
    assert [block["toolUse"]["name"] for block in content if "toolUse" in block] == [TRIAGE_TOOL_NAME]
    triage = parse_triage(content, ticket.ticket_id)
    assert triage.priority in set(Priority)
    usage = response["usage"]
    assert usage["totalTokens"] == usage["inputTokens"] + usage["outputTokens"] > 0
    assert response["metrics"]["latencyMs"] >= 1


def test_pipeline_triage_adapter_on_every_model_family(bedrock: Any) -> None:
    # GIVEN the pipeline's Bedrock adapter pointed at a Nova and a Claude profile
    for model_id in (NOVA, "us.anthropic.claude-sonnet-4-20250514-v1:0"):
        # WHEN it triages  THEN it returns a valid Triage
        triage = BedrockTriage(bedrock, model_id).triage(outage_ticket(), negative())  # type: ignore[arg-type, unused-ignore]
        assert "TKT-20240315-0007" in triage.customer_response


def test_converse_is_deterministic(bedrock: Any) -> None:
    # GIVEN one request  WHEN it is sent twice  THEN output, stop reason and usage are identical
    def call() -> dict[str, Any]:
        response = bedrock.converse(
            modelId=NOVA, messages=_user(triage_user_message(outage_ticket(), negative()))
        )
        return {key: response[key] for key in ("output", "stopReason", "usage")}

    assert call() == call()


@pytest.mark.parametrize("choice", [{"any": {}}, {"auto": {}}])
def test_converse_any_and_auto_tool_choice(bedrock: Any, choice: dict[str, Any]) -> None:
    # GIVEN the triage tool with toolChoice any / auto and the system prompt naming the tool
    response = bedrock.converse(
        modelId=NOVA,
        system=[{"text": SYSTEM_PROMPT}],
        messages=_user(triage_user_message(outage_ticket(), negative())),
        toolConfig={"tools": [TRIAGE_TOOL_SPEC], "toolChoice": choice},
    )
    # WHEN the model answers  THEN it calls the tool
    assert response["stopReason"] == "tool_use"
    assert any("toolUse" in block for block in response["output"]["message"]["content"])


def test_converse_answers_a_tool_result_in_words(bedrock: Any) -> None:
    # GIVEN a conversation where the tool was called and its result returned
    first = bedrock.converse(
        modelId=NOVA,
        messages=_user(triage_user_message(outage_ticket(), negative())),
        toolConfig={"tools": [TRIAGE_TOOL_SPEC], "toolChoice": {"any": {}}},
    )
    tool_use = next(b["toolUse"] for b in first["output"]["message"]["content"] if "toolUse" in b)
    messages = [
        *_user(triage_user_message(outage_ticket(), negative())),
        first["output"]["message"],
        {
            "role": "user",
            "content": [
                {"toolResult": {"toolUseId": tool_use["toolUseId"], "content": [{"text": "stored"}]}}
            ],
        },
    ]
    # WHEN the conversation continues
    response = bedrock.converse(modelId=NOVA, messages=messages, toolConfig={"tools": [TRIAGE_TOOL_SPEC]})
    # THEN the model ends its turn with text
    assert response["stopReason"] == "end_turn"
    assert "text" in response["output"]["message"]["content"][0]


def test_converse_max_tokens_truncates(bedrock: Any) -> None:
    # GIVEN a plain question and a budget of 5 tokens
    response = bedrock.converse(
        modelId=NOVA, messages=_user("How do I rotate my access keys?"), inferenceConfig={"maxTokens": 5}
    )
    # WHEN the model answers  THEN it stops at max_tokens with 5 output tokens
    assert response["stopReason"] == "max_tokens"
    assert response["usage"]["outputTokens"] == 5


def test_converse_tool_call_cut_by_max_tokens_is_no_tool_call(bedrock: Any) -> None:
    # GIVEN the forced triage tool and a budget too small for its input
    response = bedrock.converse(
        modelId=NOVA,
        messages=_user(triage_user_message(outage_ticket(), negative())),
        inferenceConfig={"maxTokens": 20},
        toolConfig={"tools": [TRIAGE_TOOL_SPEC], "toolChoice": {"tool": {"name": TRIAGE_TOOL_NAME}}},
    )
    # WHEN the model answers  THEN it stops at max_tokens without a toolUse block
    assert response["stopReason"] == "max_tokens"
    assert not any("toolUse" in block for block in response["output"]["message"]["content"])


def test_converse_accepts_arns_and_url_encoded_ids(bedrock: Any, server: FakeBedrockServer) -> None:
    # GIVEN a foundation-model ARN and an inference-profile ARN (botocore URL-encodes ':' and '/')
    for model_id in (
        "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0",
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0",
    ):
        # WHEN Converse is called  THEN it answers
        assert bedrock.converse(modelId=model_id, messages=_user("hello"))["stopReason"] == "end_turn"
    # AND a raw request with a percent-encoded profile id is routed too
    request = urllib.request.Request(
        f"{server.url}/model/{quote(NOVA, safe='')}/converse",
        data=json.dumps({"messages": _user("hello")}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.loads(response.read())["stopReason"] == "end_turn"


@pytest.mark.parametrize(
    ("kwargs", "code", "status"),
    [
        ({"modelId": "amazon.nova-pro-v9:0"}, "ValidationException", 400),
        ({"modelId": "anthropic.claude-v2"}, "ResourceNotFoundException", 404),
        ({"modelId": "anthropic.claude-sonnet-4-20250514-v1:0"}, "ValidationException", 400),
        ({"modelId": NOVA, "messages": []}, "ValidationException", 400),
        ({"modelId": NOVA, "inferenceConfig": {"maxTokens": 100_000}}, "ValidationException", 400),
        (
            {
                "modelId": NOVA,
                "toolConfig": {"tools": [TRIAGE_TOOL_SPEC], "toolChoice": {"tool": {"name": "x"}}},
            },
            "ValidationException",
            400,
        ),
        ({"modelId": TITAN, "toolConfig": {"tools": [TRIAGE_TOOL_SPEC]}}, "ValidationException", 400),
    ],
)
def test_converse_errors(bedrock: Any, kwargs: dict[str, Any], code: str, status: int) -> None:
    # GIVEN a request Bedrock refuses  WHEN it is sent  THEN botocore raises its code with its status
    request = {"messages": _user("hello"), **kwargs}
    assert _error(bedrock.converse, **request)[:2] == (code, status)


# --- Bedrock InvokeModel --------------------------------------------------------------------------------


def _invoke(bedrock: Any, model_id: str, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    response = bedrock.invoke_model(modelId=model_id, body=json.dumps(body), contentType="application/json")
    assert response["contentType"] == "application/json"
    return json.loads(response["body"].read()), response["ResponseMetadata"]["HTTPHeaders"]


def test_invoke_nova_messages_v1(bedrock: Any) -> None:
    # GIVEN a Nova messages-v1 body  WHEN InvokeModel is called
    body, headers = _invoke(
        bedrock,
        NOVA,
        {
            "schemaVersion": "messages-v1",
            "system": [{"text": "Be brief."}],
            "messages": _user("What is S3?"),
            "inferenceConfig": {"max_new_tokens": 200},
        },
    )
    # THEN Nova's response body and Bedrock's token headers come back
    assert body["output"]["message"]["role"] == "assistant"
    assert body["stopReason"] == "end_turn"
    assert body["usage"]["totalTokens"] == body["usage"]["inputTokens"] + body["usage"]["outputTokens"]
    assert headers["x-amzn-bedrock-output-token-count"] == str(body["usage"]["outputTokens"])


def test_invoke_nova_tool_use(bedrock: Any) -> None:
    # GIVEN a Nova body with the triage tool forced  WHEN InvokeModel is called
    body, _ = _invoke(
        bedrock,
        NOVA,
        {
            "messages": _user(triage_user_message(outage_ticket(), negative())),
            "toolConfig": {"tools": [TRIAGE_TOOL_SPEC], "toolChoice": {"tool": {"name": TRIAGE_TOOL_NAME}}},
        },
    )
    # THEN a toolUse block validates as the pipeline's triage
    assert body["stopReason"] == "tool_use"
    assert parse_triage(body["output"]["message"]["content"], "TKT-20240315-0007").priority in set(Priority)


def test_invoke_claude_messages_with_tools(bedrock: Any) -> None:
    # GIVEN an Anthropic Messages body with the triage tool forced
    schema = TRIAGE_TOOL_SPEC["toolSpec"]["inputSchema"]["json"]
    body, _ = _invoke(
        bedrock,
        CLAUDE,
        {
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 1024,
            "system": SYSTEM_PROMPT,
            "messages": [{"role": "user", "content": triage_user_message(outage_ticket(), negative())}],
            "tools": [{"name": TRIAGE_TOOL_NAME, "description": "Record it.", "input_schema": schema}],
            "tool_choice": {"type": "tool", "name": TRIAGE_TOOL_NAME},
        },
    )
    # THEN the Messages response has a tool_use block with valid input
    assert (body["type"], body["role"], body["stop_reason"]) == ("message", "assistant", "tool_use")
    tool_use = next(block for block in body["content"] if block["type"] == "tool_use")
    assert tool_use["input"]["priority"] in {p.value for p in Priority}
    assert body["usage"]["input_tokens"] > 0
    assert body["model"] == "claude-3-5-haiku-20241022"


def test_invoke_claude_plain_text_and_max_tokens(bedrock: Any) -> None:
    # GIVEN a plain Claude request with a 3-token budget  WHEN it is sent
    body, _ = _invoke(
        bedrock,
        CLAUDE,
        {
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 3,
            "messages": [{"role": "user", "content": "Hi"}],
        },
    )
    # THEN the text is cut at max_tokens
    assert body["stop_reason"] == "max_tokens"
    assert body["usage"]["output_tokens"] == 3


def test_invoke_titan_text(bedrock: Any) -> None:
    # GIVEN a Titan text body  WHEN InvokeModel is called
    body, _ = _invoke(
        bedrock, TITAN, {"inputText": "User: hello\nBot:", "textGenerationConfig": {"maxTokenCount": 4}}
    )
    # THEN Titan's result shape comes back, cut at the token count
    result = body["results"][0]
    assert result["completionReason"] == "LENGTH"
    assert result["tokenCount"] == 4
    assert body["inputTextTokenCount"] > 0


@pytest.mark.parametrize(
    ("model_id", "body", "fragment"),
    [
        (CLAUDE, {"max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}, "anthropic_version"),
        (
            CLAUDE,
            {"anthropic_version": "bedrock-2023-05-31", "messages": [{"role": "user", "content": "hi"}]},
            "max_tokens",
        ),
        (TITAN, {"inputText": "hi", "prompt": "x"}, "extraneous key [prompt]"),
        (NOVA, {"inferenceConfig": {}}, "required key [messages]"),
    ],
)
def test_invoke_malformed_bodies(bedrock: Any, model_id: str, body: dict[str, Any], fragment: str) -> None:
    # GIVEN a body the model family rejects  WHEN it is invoked  THEN ValidationException names the key
    code, status, message = _error(bedrock.invoke_model, modelId=model_id, body=json.dumps(body))
    assert (code, status) == ("ValidationException", 400)
    assert "Malformed input request" in message
    assert fragment in message


def test_invoke_non_json_body(bedrock: Any) -> None:
    # GIVEN a body that is not JSON  WHEN it is invoked  THEN ValidationException
    assert _error(bedrock.invoke_model, modelId=NOVA, body=b"not json")[:2] == ("ValidationException", 400)

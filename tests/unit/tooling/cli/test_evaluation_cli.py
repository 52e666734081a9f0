"""`ticketflow eval`: option handling, backend selection and output, with in-process stand-in clients."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from fake_bedrock.stand_ins.sentiment import analyse
from fake_bedrock.stand_ins.triage import parse_ticket, triage
from ticketflow_dev.cli import eval as eval_cli
from ticketflow_dev.quality.backends import pipeline_clients
from ticketflow_infra.settings import Settings

ROW: dict[str, Any] = {
    "ticket_id": "TKT-20250808-1046",
    "submitted_at": "2025-08-08 20:54:18.524355",
    "customer_first_name": "Grace",
    "customer_last_name": "Hopper",
    "customer_full_name": "Grace Hopper",
    "customer_email": "grace@example.com",
    "product": "AWS CodeBuild",
    "issue_type": "Build Environment",
    "subject": "OUTRAGEOUS: builds down",
    "description": "This is completely unacceptable! Our builds are failing and we lost $20K in revenue.",
    "response_text": "...",
    "sentiment": "NEGATIVE",
    "sentiment_score_positive": 0.0,
    "sentiment_score_negative": 1.0,
    "sentiment_score_neutral": 0.0,
    "sentiment_score_mixed": 0.0,
    "priority": "HIGH",
    "priority_reasoning": "...",
    "processed_at": "2025-08-08 20:54:23.452367",
}


class InProcessComprehend:
    """The Comprehend client surface the adapter uses, answered by fake_bedrock's code without HTTP."""

    def detect_sentiment(self, *, Text: str, LanguageCode: str) -> dict[str, Any]:  # noqa: N803 - boto3's names
        assert LanguageCode == "en"
        label, scores = analyse(Text)
        return {"Sentiment": label, "SentimentScore": scores}


class InProcessBedrock:
    def converse(self, **request: Any) -> dict[str, Any]:
        draft = triage(parse_ticket(request["messages"][0]["content"][0]["text"]))
        tool_input = {
            "customer_response": draft.customer_response,
            "priority": draft.priority,
            "priority_reasoning": draft.priority_reasoning,
        }
        block = {"toolUse": {"toolUseId": "t1", "name": "record_triage", "input": tool_input}}
        return {"output": {"message": {"role": "assistant", "content": [block]}}}


@contextmanager
def in_process_clients(
    settings: Settings, endpoint: str | None, environ: Mapping[str, str]
) -> Iterator[tuple[Any, Any, str]]:
    yield InProcessComprehend(), InProcessBedrock(), "in-process stand-in"


def app() -> typer.Typer:
    root = typer.Typer()
    root.command("eval")(eval_cli.eval_command)
    root.command("other")(lambda: None)
    return root


@pytest.fixture
def labelled(tmp_path: Path) -> Path:
    path = tmp_path / "labelled.jsonl"
    path.write_text(json.dumps(ROW) + "\n", encoding="utf-8")
    return path


def test_json_output_has_the_promised_fields(labelled: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN one labelled ticket and stand-in clients
    monkeypatch.setattr(eval_cli, "pipeline_clients", in_process_clients)
    # WHEN eval runs with --json
    result = CliRunner().invoke(app(), ["eval", "--labelled", str(labelled), "--json"])
    # THEN it prints one object with the counts, metrics and reply rates
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["n"] == 1
    assert report["sentiment"]["accuracy"] == pytest.approx(1.0)
    assert report["sentiment"]["macro_f1"] == pytest.approx(1.0)
    assert report["priority"]["accuracy"] == pytest.approx(1.0)
    assert report["priority"]["macro_f1"] == pytest.approx(1.0)
    assert report["reply"]["ticket_id_rate"] == pytest.approx(1.0)


def test_tables_name_the_backend_and_the_accuracy(labelled: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN one labelled ticket and stand-in clients
    monkeypatch.setattr(eval_cli, "pipeline_clients", in_process_clients)
    # WHEN eval runs without --json
    result = CliRunner().invoke(app(), ["eval", "--labelled", str(labelled)])
    # THEN the human report says where it ran and shows each section
    assert result.exit_code == 0, result.output
    assert "in-process stand-in" in result.stdout
    assert "Sentiment: accuracy 100.0%" in result.stdout
    assert "Priority: accuracy 100.0%" in result.stdout
    assert "quotes the ticket id" in result.stdout


def test_an_accuracy_floor_fails_the_command(labelled: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a ticket whose label the stand-in will not reproduce
    labelled.write_text(json.dumps({**ROW, "priority": "NORMAL"}) + "\n", encoding="utf-8")
    monkeypatch.setattr(eval_cli, "pipeline_clients", in_process_clients)
    # WHEN eval runs with a priority floor
    result = CliRunner().invoke(
        app(), ["eval", "--labelled", str(labelled), "--min-priority-accuracy", "0.5"]
    )
    # THEN it exits 1
    assert result.exit_code == 1


def test_a_malformed_file_is_reported_not_raised(tmp_path: Path) -> None:
    # GIVEN a file that is not archive rows
    path = tmp_path / "bad.jsonl"
    path.write_text('{"ticket_id": "nope"}\n', encoding="utf-8")
    # WHEN eval runs on it
    result = CliRunner().invoke(app(), ["eval", "--labelled", str(path)])
    # THEN it exits 1 naming the line
    assert result.exit_code == 1
    assert "bad.jsonl:1" in result.output


def test_the_aws_profile_uses_the_real_services() -> None:
    # GIVEN the aws profile (creating clients makes no network call)
    settings = Settings.load(
        environ={"TICKETFLOW_PROFILE": "aws", "TICKETFLOW_REGION": "eu-west-1"}, dotenv=None
    )
    # WHEN the clients are chosen
    with pipeline_clients(settings, None, {}) as (comprehend, bedrock, where):
        # THEN they point at the region's public endpoints
        assert where == "AWS (eu-west-1)"
        assert comprehend.meta.endpoint_url == "https://comprehend.eu-west-1.amazonaws.com"
        assert bedrock.meta.endpoint_url == "https://bedrock-runtime.eu-west-1.amazonaws.com"


def test_an_explicit_endpoint_is_used_without_starting_anything() -> None:
    # GIVEN the local profile and an explicit endpoint
    settings = Settings.load(environ={}, dotenv=None)
    # WHEN the clients are chosen
    with pipeline_clients(settings, "http://127.0.0.1:9", {}) as (comprehend, bedrock, where):
        # THEN both clients use it
        assert where == "http://127.0.0.1:9"
        assert comprehend.meta.endpoint_url == "http://127.0.0.1:9"
        assert bedrock.meta.endpoint_url == "http://127.0.0.1:9"

"""`ticketflow generate`: JSON lines a producer can send, the mix option, and the model writer's checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from ticketflow.model import TicketSubmitted
from ticketflow_dev.cli import generate as generate_cli
from ticketflow_dev.generation.generator import generate
from ticketflow_dev.generation.model_writer import ModelWriter, ModelWriterError, brief, parse_answer
from ticketflow_infra.settings import Settings

runner = CliRunner()


def app() -> typer.Typer:
    cli = typer.Typer()
    cli.command()(generate_cli.generate_command)
    return cli


def test_generate_writes_ticket_submitted_events_one_a_line() -> None:
    # GIVEN / WHEN five tickets to standard output, twice with one seed
    options = ["--count", "5", "--seed", "3", "--submitted-at", "2025-01-15T09:30:00"]
    first = runner.invoke(app(), options)
    again = runner.invoke(app(), options)

    # THEN each line is the event the producer puts on the stream, the same for the same seed
    assert first.exit_code == 0, first.output
    lines = first.stdout.splitlines()
    assert len(lines) == 5
    events = [json.loads(line) for line in lines]
    assert all(event["eventName"] == "TicketSubmitted" for event in events)
    assert [TicketSubmitted.model_validate(e).to_event() for e in events] == events
    assert {e["submittedAt"] for e in events} == {"2025-01-15T09:30:00Z"}
    assert first.stdout == again.stdout


def test_generate_to_a_file_in_a_mix(tmp_path: Path) -> None:
    # GIVEN an output file
    target = tmp_path / "tickets.jsonl"

    # WHEN twenty tickets in the all-high mix are written there, numbered from 500
    result = runner.invoke(
        app(), ["--count", "20", "--mix", "all-high", "--output", str(target), "--first-number", "500"]
    )

    # THEN the file holds them, numbered as asked, and they are what the generator makes for that mix
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [e["ticketId"][-4:] for e in events] == [f"{n:04d}" for n in range(500, 520)]
    expected = [g.ticket.data.description for g in generate(20, seed=0, first_number=500, mix="all-high")]
    assert [e["data"]["description"] for e in events] == expected


def test_a_bad_mix_fails_with_the_known_names() -> None:
    # GIVEN / WHEN a mix that names nothing known
    result = runner.invoke(app(), ["--count", "3", "--mix", "grumpy=1"])

    # THEN it exits 1 naming the problem and what is known, and writes no ticket
    assert result.exit_code == 1
    assert "grumpy" in result.output
    assert "edge-cases" in result.output
    assert "TicketSubmitted" not in result.output


def test_the_model_writer_is_refused_without_a_model_behind_fake_bedrock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a local fake_bedrock whose Converse is answered by the stand-in
    monkeypatch.setattr(generate_cli, "_converse_by", lambda _url: "stand-in")

    # WHEN / THEN asking for the model writer stops with what to set
    with pytest.raises(typer.Exit):
        generate_cli.model_writer(Settings.load(environ={}, dotenv=None))


class StubBedrock:
    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.requests: list[dict[str, Any]] = []

    def converse(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        return {"output": {"message": {"role": "assistant", "content": [{"text": self.answer}]}}}


def test_the_model_writer_keeps_the_facts_and_takes_the_models_words() -> None:
    # GIVEN a generated ticket and a model that answers with a ticket inside some chatter
    [generated] = generate(1, seed=6, mix="outage")
    bedrock = StubBedrock('Here you go: {"subject": "Down again", "description": "Our API is down."} Enjoy.')

    # WHEN the writer rewrites it
    written = ModelWriter(bedrock, "model-x").write(generated)  # type: ignore[arg-type]

    # THEN subject and description are the model's; id, customer, product and issue are as generated
    assert (written.data.subject, written.data.description) == ("Down again", "Our API is down.")
    assert written.ticket_id == generated.ticket.ticket_id
    original = generated.ticket.data
    assert written.data.customer_contact_information == original.customer_contact_information
    assert written.data.product_issue_information == original.product_issue_information
    # AND the model was briefed with the product, the tone and the draft
    [request] = bedrock.requests
    text = request["messages"][0]["content"][0]["text"]
    assert text == brief(generated)
    assert original.product_issue_information.product in text
    assert "angry" in text
    assert original.description in text


@pytest.mark.parametrize(
    "answer", ["no json here", '{"subject": "only a subject"}', '{"subject": "", "description": "x"}', "{bad"]
)
def test_an_answer_that_is_not_a_ticket_is_refused(answer: str) -> None:
    # GIVEN / WHEN / THEN
    with pytest.raises(ModelWriterError):
        parse_answer(answer)

"""The trace picture draws stored text as written: no mathtext from a `$...$`, hidden characters by code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from matplotlib.figure import Figure
from matplotlib.mathtext import MathTextParser

from tests.event_files import load_hostile_tickets
from ticketflow_dev.journey import Journey, Span, picture

TICKET_ID = "TKT-20250115-0042"
CASES = load_hostile_tickets(lambda: TICKET_ID)
AT = datetime(2025, 1, 15, 9, 30, tzinfo=UTC)


def _drawn_from(label: str, shown: str) -> bool:
    """`label` is `shown` on one line, or its opening cut with an ellipsis."""
    line = " ".join(shown.split())
    return label == line or (label.endswith("…") and line.startswith(label[:-1]) and len(label) < len(line))


def test_the_waterfall_draws_hostile_labels_as_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a journey with a span (a log line's message) per hostile case, its status the case with mathtext,
    # and a record of every string matplotlib's mathtext parses and of the figure drawn
    [formula] = [case for case in CASES if "$" in case.text]
    status = formula.text
    spans = [
        Span("logs", case.text, AT + timedelta(seconds=i), None, "error") for i, case in enumerate(CASES)
    ]
    spans.append(Span("lambda:generate_response", "invocation", AT, AT + timedelta(seconds=9), "ok"))
    journey = Journey(TICKET_ID, status, None, spans, [])
    parsed: list[str] = []
    real_parse = MathTextParser.parse

    def parse(self: MathTextParser[Any], text: str, *args: Any, **kwargs: Any) -> Any:
        parsed.append(text)
        return real_parse(self, text, *args, **kwargs)

    figures: list[Figure] = []
    monkeypatch.setattr(MathTextParser, "parse", parse)
    monkeypatch.setattr("matplotlib.pyplot.close", figures.append)

    # WHEN the picture is drawn
    path = picture.draw_waterfall(journey, tmp_path / "trace.png")

    # THEN it is written, mathtext parsed none of the text, and each label reads on one line as the displays
    # show the text (codes for hidden characters)
    assert path.stat().st_size > 1000
    assert not [text for text in parsed if "frac" in text]
    [axes] = figures[0].axes
    labels = [label.get_text() for label in axes.get_yticklabels()]
    for label, case in zip(labels, CASES, strict=False):
        assert _drawn_from(label, f"logs · {case.shown}"), (label, case.file)
    assert _drawn_from(axes.get_title(), f"{TICKET_ID}: {formula.shown}")
    for text in [*axes.get_yticklabels(), axes.title]:
        assert text.get_parse_math() is False

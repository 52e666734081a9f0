"""The journey's waterfall as a picture: one row per span, on the clock of the ticket's first span."""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")  # files only: no display on CI or over ssh

import matplotlib.pyplot as plt

from ticketflow_dev.core.safe_text import visible
from ticketflow_dev.journey.model import Journey

LABEL_LENGTH = 90  # a longer log line would squeeze the bars out of the picture
COLOURS = {"ok": "tab:green", "error": "tab:red", "retry": "tab:orange", "missing": "tab:grey"}


def draw_waterfall(journey: Journey, path: Path) -> Path:
    """Bars for spans with a duration, diamonds for instants (a put, a write, a log line)."""
    spans = journey.spans
    origin = spans[0].started if spans else None
    last = journey.pipeline_end()
    scale = (last - origin).total_seconds() * 1000 if origin and last else 1.0
    thinnest = max(scale, 1.0) * 0.004  # a zero-length state stays visible
    figure, axes = plt.subplots(figsize=(11, 0.32 * max(len(spans), 4) + 1.4))
    for row, span in enumerate(spans):
        assert origin is not None
        start = (span.started - origin).total_seconds() * 1000
        colour = COLOURS.get(span.outcome, "tab:blue")
        if start > scale * 1.05:  # the warehouse row, much later: at the right edge, with its offset
            axes.plot(scale * 1.05, row, marker=">", color=colour, markersize=6)
            axes.annotate(
                f"+{start / 1000:.0f} s",
                (scale * 1.05, row),
                xytext=(-40, -3),
                textcoords="offset points",
                fontsize=7,
            )
        elif span.seconds is None:
            axes.plot(start, row, marker="D", color=colour, markersize=5)
        else:
            axes.barh(row, max(span.seconds * 1000, thinnest), left=start, color=colour, height=0.6)
    # Stored text (a log line, a status), so no mathtext: a `$...$` in it is drawn as written.
    labels = [_label(f"{s.service} · {s.name}") for s in spans]
    axes.set_yticks(range(len(spans)), labels, fontsize=8, parse_math=False)
    axes.invert_yaxis()
    axes.set_xlim(-scale * 0.02, scale * 1.08)
    axes.set_xlabel("ms since the first span")
    axes.set_title(_label(f"{journey.ticket_id}: {journey.status or 'no item'}"), parse_math=False)
    axes.grid(visible=True, axis="x", alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _label(text: str) -> str:
    """`text` on one line and at most LABEL_LENGTH long, its hidden characters by their code."""
    line = " ".join(visible(text).split())
    return line if len(line) <= LABEL_LENGTH else line[: LABEL_LENGTH - 1] + "…"

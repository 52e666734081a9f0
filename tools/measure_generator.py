"""How much generated tickets look like real ones: labels, lengths and repeats, against a labelled set.

    python tools/measure_generator.py [--count 1000] [--seed 0] [--mix realistic]
                                      [--real ../shared/data/labelled_tickets_dev.jsonl] [--json]

The generated tickets are labelled as the pipeline labels them locally: fake_bedrock's Comprehend stand-in
reads the description, and its triage stand-in reads the prompt the pipeline builds (`ticketflow.prompts`)
with that sentiment. Reported: the sentiment and priority proportions beside the real set's and their
total variation distance, the description length quartiles (characters and words) and their largest
relative difference, and how many descriptions repeat.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fake_bedrock.stand_ins.sentiment import analyse
from fake_bedrock.stand_ins.triage import known_values
from ticketflow.model import SentimentResult, SentimentScores, TicketSubmitted
from ticketflow.prompts import triage_user_message
from ticketflow_dev.generation.generator import tickets
from ticketflow_infra.paths import REPO_ROOT

DEFAULT_REAL = REPO_ROOT.parent / "shared" / "data" / "labelled_tickets_dev.jsonl"


def labels(ticket: TicketSubmitted) -> tuple[str, str]:
    """(sentiment, priority) as the local pipeline would store them."""
    label, scores = analyse(ticket.data.description)
    result = SentimentResult(
        sentiment=label, scores=SentimentScores(**{name.lower(): value for name, value in scores.items()})
    )
    return label, str(known_values(triage_user_message(ticket, result))["priority"])


def proportions(values: Sequence[str]) -> dict[str, float]:
    counts = Counter(values)
    return {key: round(counts[key] / len(values), 3) for key in sorted(counts)}


def total_variation(p: dict[str, float], q: dict[str, float]) -> float:
    return round(sum(abs(p.get(k, 0.0) - q.get(k, 0.0)) for k in {*p, *q}) / 2, 3)


def quartiles(values: Sequence[int]) -> list[float]:
    return [round(q, 1) for q in statistics.quantiles(values, n=4)]


def largest_relative_gap(ours: Sequence[float], theirs: Sequence[float]) -> float:
    return round(max(abs(a - b) / b for a, b in zip(ours, theirs, strict=True)), 3)


def profile(sentiments: list[str], priorities: list[str], descriptions: list[str]) -> dict[str, Any]:
    return {
        "n": len(descriptions),
        "sentiment": proportions(sentiments),
        "priority": proportions(priorities),
        "chars_quartiles": quartiles([len(d) for d in descriptions]),
        "words_quartiles": quartiles([len(d.split()) for d in descriptions]),
        "paragraphs": proportions([str(d.count("\n\n") + 1) for d in descriptions]),
    }


def measure(count: int, seed: int, mix: str | None, real_path: Path | None) -> dict[str, Any]:
    generated = list(tickets(count, seed=seed, mix=mix))
    labelled = [labels(t) for t in generated]
    descriptions = [t.data.description for t in generated]
    ours = profile([s for s, _ in labelled], [p for _, p in labelled], descriptions)
    ours["duplicate_descriptions"] = len(descriptions) - len(set(descriptions))
    ours["products"] = len({t.data.product_issue_information.product for t in generated})
    report: dict[str, Any] = {"generated": ours}
    if real_path and real_path.is_file():
        rows = [json.loads(line) for line in real_path.read_text(encoding="utf-8").splitlines() if line]
        real = profile(
            [r["sentiment"] for r in rows], [r["priority"] for r in rows], [r["description"] for r in rows]
        )
        report["real"] = real
        report["compared"] = {
            "sentiment_tvd": total_variation(ours["sentiment"], real["sentiment"]),
            "priority_tvd": total_variation(ours["priority"], real["priority"]),
            "chars_quartiles_gap": largest_relative_gap(ours["chars_quartiles"], real["chars_quartiles"]),
            "words_quartiles_gap": largest_relative_gap(ours["words_quartiles"], real["words_quartiles"]),
        }
    return report


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mix", default=None)
    parser.add_argument("--real", type=Path, default=DEFAULT_REAL)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    report = measure(args.count, args.seed, args.mix, args.real)
    if args.json:
        sys.stdout.write(json.dumps(report, sort_keys=True) + "\n")
        return
    for section, values in report.items():
        sys.stdout.write(f"{section}:\n")
        for key, value in values.items():
            sys.stdout.write(f"  {key}: {value}\n")


if __name__ == "__main__":
    main(sys.argv[1:])

"""A description composed from a tone's parts and an issue family's trouble, grown to a target length.

The opening (which states the symptom) and the follow-up are always there, and the parts the tone requires
(an outage's impact); the other parts are added in a random order until the description reaches the
length drawn for it. They render in a fixed order, in one paragraph or several as real tickets come, with
an optional block of `Label: value` technical details.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass

from ticketflow_dev.generation.families import TROUBLES
from ticketflow_dev.generation.scenarios import Scenario
from ticketflow_dev.generation.tones import Tone

# Word counts of real ticket descriptions: median about 80, quartiles about 69 and 96.
MEDIAN_WORDS = 80
WORDS_SPREAD = 0.24  # of the log-normal: puts the quartiles near the real ones
WORDS_RANGE = (45, 150)
_OPTIONAL = ("errors", "impacts", "remarks", "tried", "closings")  # and the details block
_MOST = {"errors": 1, "closings": 1}  # sentences of a part; the others grow as the length asks
_SENTENCE_START = re.compile(r"(^|[.!?]\s+)([a-z])")
_DETAIL_LINES = (
    "{Res} ID: {rid}",
    "Region: {region}",
    "Error: {error}",
    "First seen: {date}, {time}",
    "Last successful run: {date}, {time}",
    "Runtime: {runtime}",
    "Account: {account}",
    "Affected users: about {users}",
    "Request ID: {request_id}",
)


@dataclass(frozen=True)
class Composed:
    subject: str
    description: str


def target_words(rng: random.Random, tone: Tone) -> int:
    low, high = tone.words or WORDS_RANGE
    if tone.words:
        return rng.randint(low, high)
    return max(low, min(high, round(rng.lognormvariate(math.log(MEDIAN_WORDS), WORDS_SPREAD))))


def _sentence_case(text: str) -> str:
    return _SENTENCE_START.sub(lambda match: match.group(1) + match.group(2).upper(), text)


def _details(rng: random.Random, fill: dict[str, str]) -> str:
    usable = [line for line in _DETAIL_LINES[1:] if "{error}" not in line or "error" in fill]
    lines = [_DETAIL_LINES[0], *rng.sample(usable, rng.randint(2, 4))]
    return "Technical details:\n" + "\n".join("- " + line.format_map(fill) for line in lines)


def _fill(rng: random.Random, scenario: Scenario, slots: dict[str, str]) -> dict[str, str]:
    """The slots plus the family's trouble: {symptom} and {error} (when it has error text)."""
    trouble = TROUBLES[scenario.family]
    fill = {**slots, "Res": scenario.resource[:1].upper() + scenario.resource[1:]}
    if trouble.errors:
        fill["error"] = rng.choice(trouble.errors).format_map(slots)
    fill["symptom"] = rng.choice(trouble.symptoms).format_map(fill)
    return fill


def _offers(rng: random.Random, tone: Tone, scenario: Scenario, fill: dict[str, str]) -> dict[str, list[str]]:
    """Each optional part's sentences in a random order (one for the error and the closing, which are not
    said twice); each sentence names other checks than the one before ({check}, {check2})."""
    checks = rng.sample(TROUBLES[scenario.family].checks, len(TROUBLES[scenario.family].checks))

    def sentence(template: str, index: int) -> str:
        pair = {"check": checks[index % len(checks)], "check2": checks[(index + 1) % len(checks)]}
        return _sentence_case(template.format_map(fill | pair))

    offers = {
        name: [sentence(t, 2 * i) for i, t in enumerate(rng.sample(options, len(options)))][: _MOST.get(name)]
        for name in _OPTIONAL
        if (options := getattr(tone, name, ())) and (name != "errors" or "error" in fill)
    }
    if rng.random() < tone.details_rate:
        offers["details"] = [_details(rng, fill)]
    return offers


def compose(rng: random.Random, tone: Tone, scenario: Scenario, slots: dict[str, str]) -> Composed:
    fill = _fill(rng, scenario, slots)
    goal = target_words(rng, tone)

    def say(choices: tuple[str, ...]) -> str:
        return _sentence_case(rng.choice(choices).format_map(fill))

    offers = _offers(rng, tone, scenario, fill)
    parts: dict[str, list[str]] = {"opening": [say(tone.openings)], "follow_ups": [say(tone.follow_ups)]}
    for name in tone.required:
        parts[name] = [offers[name].pop()]

    def words() -> int:
        return sum(len(text.split()) for texts in parts.values() for text in texts)

    # A pass adds one more sentence to each part in turn until the description is long enough, so a long
    # ticket says more, not the same thing twice.
    order = rng.sample(sorted(offers), len(offers))
    while words() < goal and any(offers.values()):
        for name in order:
            if offers[name] and words() < goal:
                parts.setdefault(name, []).append(offers[name].pop())
    return Composed(say(tone.subjects), _layout(rng, parts))


def _layout(rng: random.Random, parts: dict[str, list[str]]) -> str:
    """Opening paragraph, details block, closing paragraph; without details, one paragraph half the time,
    else what was tried and what is asked for in paragraphs of their own, as real tickets come."""

    def text(*names: str) -> str:
        return " ".join(sentence for name in names for sentence in parts.get(name, []))

    head = text("opening", "errors", "impacts", "remarks")
    if "details" in parts:
        blocks = [head, text("details"), text("tried", "follow_ups", "closings")]
    elif rng.random() < 0.5:
        blocks = [text("opening", "errors", "impacts", "remarks", "tried", "follow_ups", "closings")]
    else:
        blocks = [head, text("tried"), text("follow_ups", "closings")]
    return "\n\n".join(block for block in blocks if block)

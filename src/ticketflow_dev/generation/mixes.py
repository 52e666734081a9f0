"""Which tones a batch of tickets is drawn from: the realistic shares by default, or a mix asked for.

`--mix` takes a preset name (`realistic`, `all-high`, `all-mixed`, `edge-cases`) or weights such as
`NEGATIVE=3,POSITIVE=1`, `HIGH=1` or `outage=1,delighted=1`. A weight names a tone, a sentiment or a
priority; a sentiment or priority spreads its weight over its tones by their realistic shares (equally
when none of them is part of realistic traffic, as for CRITICAL).
"""

from __future__ import annotations

from ticketflow_dev.generation.tones import TONES, Tone

Mix = dict[str, float]  # tone name -> weight

PRESETS: dict[str, str] = {
    "realistic": ",".join(f"{tone.name}={tone.share}" for tone in TONES if tone.share),
    "all-high": "HIGH=1",
    "all-mixed": "MIXED=1",
    # Every edge tone, beside enough ordinary traffic that the edges stand out.
    "edge-cases": "security=1,injection=1,how_to=1,terse=1,rambling=1,realistic=1",
}


class MixError(ValueError):
    """A mix that names nothing known or weighs nothing."""


def _tones_for(key: str) -> list[tuple[Tone, float]]:
    """The tones a key stands for, each with its part of the key's weight."""
    named = [
        tone
        for tone in TONES
        if key in (tone.name, tone.sentiment.value.lower(), tone.priority.value.lower())
    ]
    if not named:
        return []
    if len(named) == 1 and named[0].name == key:
        return [(named[0], 1.0)]
    total = sum(tone.share for tone in named)
    return [(tone, tone.share / total if total else 1 / len(named)) for tone in named]


def parse_mix(text: str | None) -> Mix:
    """The tones' weights for `text` (a preset or `key=weight,...`); raises MixError naming the problem."""
    spec = PRESETS.get((text or "realistic").strip().lower(), text or "")
    weights: Mix = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        key, _, value = item.partition("=")
        key = key.strip().lower()
        try:
            weight = float(value) if value else 1.0
        except ValueError:
            raise MixError(f"{item!r}: the weight is not a number") from None
        if weight < 0:
            raise MixError(f"{item!r}: a weight cannot be negative")
        parts = parse_mix("realistic").items() if key == "realistic" else _shares(key, item)
        for name, share in parts:
            weights[name] = weights.get(name, 0.0) + weight * share
    if sum(weights.values()) <= 0:
        raise MixError(f"the mix {text!r} weighs nothing: give at least one positive weight")
    return {name: weight for name, weight in weights.items() if weight > 0}


def _shares(key: str, item: str) -> list[tuple[str, float]]:
    tones = _tones_for(key)
    if not tones:
        names = ", ".join([*PRESETS, *(t.name for t in TONES), "a sentiment", "a priority"])
        raise MixError(f"{item!r}: not a tone, sentiment or priority (known: {names})")
    return [(tone.name, share) for tone, share in tones]

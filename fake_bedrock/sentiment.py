"""Sentiment the way Amazon Comprehend's DetectSentiment answers it (minimal first version)."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z']+")
_NEGATIVE = frozenset(
    [
        "unacceptable",
        "outage",
        "down",
        "failed",
        "failing",
        "failure",
        "error",
        "errors",
        "broken",
        "lost",
        "loss",
        "frustrated",
        "frustrating",
        "angry",
        "terrible",
        "worst",
        "urgent",
        "critical",
        "immediately",
        "cannot",
        "can't",
        "issue",
        "issues",
        "problem",
    ]
)
_POSITIVE = frozenset(
    ["thanks", "thank", "great", "appreciate", "love", "excellent", "happy", "pleased", "helpful", "good"]
)

LABELS = ("Positive", "Negative", "Neutral", "Mixed")


def analyse(text: str) -> tuple[str, dict[str, float]]:
    """Return (label, scores): label in POSITIVE|NEGATIVE|NEUTRAL|MIXED, scores sum to 1."""
    words = _WORD.findall(text.lower())
    neg = sum(w in _NEGATIVE for w in words)
    pos = sum(w in _POSITIVE for w in words)
    raw = {
        "Positive": 0.05 + pos,
        "Negative": 0.05 + neg,
        "Neutral": 1.0,
        "Mixed": 0.05 + min(pos, neg) * 1.5,
    }
    total = sum(raw.values())
    scores = {k: v / total for k, v in raw.items()}
    label = max(LABELS, key=lambda k: scores[k])
    return label.upper(), scores

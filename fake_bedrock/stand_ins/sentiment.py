"""Sentiment the way Amazon Comprehend's DetectSentiment answers it, for support-ticket text.

`lexicon.extract` measures the text (delight, approval, politeness, anger, trouble, inability, hedging,
contrast, technical detail); a small multinomial logistic model, fitted on real Comprehend answers by
tools/calibrate_sentiment.py, turns the measures into the four scores. What it reproduces from the real
service on this genre: the angry or blocked report is NEGATIVE, the hedged or polite-but-troubled one
("a bit puzzling", "generally pleased, however...") MIXED, the plain report with error codes and ids
NEUTRAL, and praise with a small question POSITIVE.
"""

from __future__ import annotations

import math

from fake_bedrock.stand_ins.lexicon import FEATURE_NAMES, extract
from fake_bedrock.stand_ins.sentiment_weights import FEATURES, WEIGHTS

LABELS = ("Positive", "Negative", "Neutral", "Mixed")

if (*FEATURE_NAMES, "bias") != FEATURES:  # pragma: no cover - guards a stale weights file at import
    raise ImportError(
        "fake_bedrock.stand_ins.sentiment_weights does not match the lexicon's features; recalibrate"
    )


def scores_for(features: tuple[float, ...]) -> dict[str, float]:
    """The softmax of the fitted linear model over the features (plus the bias term)."""
    inputs = (*features, 1.0)
    logits = {label: sum(w * x for w, x in zip(WEIGHTS[label], inputs, strict=True)) for label in LABELS}
    top = max(logits.values())
    exps = {label: math.exp(value - top) for label, value in logits.items()}
    total = sum(exps.values())
    return {label: exps[label] / total for label in LABELS}


def analyse(text: str) -> tuple[str, dict[str, float]]:
    """Return (label, scores): label in POSITIVE|NEGATIVE|NEUTRAL|MIXED, the argmax of scores summing to 1."""
    scores = scores_for(extract(text).features())
    label = max(LABELS, key=lambda name: scores[name])
    return label.upper(), scores

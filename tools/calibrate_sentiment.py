"""Fit the Comprehend stand-in's weights on a labelled archive and estimate how well they generalise.

    python tools/calibrate_sentiment.py [../shared/data/labelled_tickets_dev.jsonl] [--write] [--json]

The features come from `fake_bedrock.stand_ins.lexicon` (a fixed support-ticket lexicon); only the weights
of a small multinomial logistic model over them are fitted, against Comprehend's soft scores, with an L2
penalty chosen before looking at the folds. Two fits are compared:

- `dev-prior` (the stand-in until issue 17): every ticket weighs the same, so the bias learns the dev set's
  class mix (32% MIXED, 14% NEUTRAL);
- `traffic-prior` (now): the same fit, then the bias moved from the training tickets' class mix to real
  traffic's (TRAFFIC_PRIOR). The dev set has half again the MIXED share and about half the NEUTRAL share
  of real traffic; a model that keeps the dev mix reads a plain report as MIXED or NEGATIVE, which is
  where the unseen set's NEUTRAL tickets went (NEUTRAL F1 0.55 there). What the text says is learned from
  the tickets; how often each class occurs is a fact about the traffic, not the text.

Each is cross-validated (leave-one-out, and leave-one-product-out, where near-duplicate tickets about one
product share a fold), fitting on the training folds only. Every figure is given twice: as counted on the
dev set, and weighted to the real traffic's class mix (each ticket weighs TRAFFIC_PRIOR[c] / dev share of c),
the estimate for traffic that looks like the unseen set. They measure the fitted weights, not the choice of
lexicon words, which was made by reading the same tickets: expect unseen data to score lower.
`--write` rewrites fake_bedrock/stand_ins/sentiment_weights.py with the traffic-prior fit on all tickets.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fake_bedrock.stand_ins.lexicon import FEATURE_NAMES, extract
from fake_bedrock.stand_ins.priority import decide
from ticketflow_infra.paths import REPO_ROOT

CLASSES = ("Positive", "Negative", "Neutral", "Mixed")
LABELS = tuple(name.upper() for name in CLASSES)
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "labelled_tickets_dev.jsonl"
# Real support traffic's sentiment mix, as issue 17 states it (40% NEGATIVE, 24% NEUTRAL, 22% MIXED, 14%
# POSITIVE), in CLASSES order.
TRAFFIC_PRIOR = (0.14, 0.40, 0.24, 0.22)
L2 = 0.02
STEPS = 1500
RATE = 0.5
HARD_WEIGHT = 0.5  # blend of the one-hot label with the soft scores, so the argmax is what is learned

Array = NDArray[np.float64]
Fit = Callable[[Array, Array, Sequence[str]], Array]


def load(path: Path) -> tuple[Array, Array, list[str], list[dict[str, Any]]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    xs = np.array([[*extract(row["description"]).features(), 1.0] for row in rows])
    soft = np.array([[float(row[f"sentiment_score_{name.lower()}"]) for name in CLASSES] for row in rows])
    hard = np.array([[1.0 if name == row["sentiment"] else 0.0 for name in LABELS] for row in rows])
    return xs, HARD_WEIGHT * hard + (1 - HARD_WEIGHT) * soft, [row["sentiment"] for row in rows], rows


def softmax(logits: Array) -> Array:
    exps = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities: Array = exps / exps.sum(axis=1, keepdims=True)
    return probabilities


def _descend(xs: Array, ys: Array, sample_weights: Array) -> Array:
    """Full-batch gradient descent with momentum on the weighted cross-entropy; deterministic from zeros."""
    weights = np.zeros((len(CLASSES), xs.shape[1]))
    velocity = np.zeros_like(weights)
    penalty_mask = np.ones(xs.shape[1])
    penalty_mask[-1] = 0.0  # the bias is not penalised
    share = sample_weights[:, None] / sample_weights.sum()
    for _ in range(STEPS):
        grad = ((softmax(xs @ weights.T) - ys) * share).T @ xs + L2 * weights * penalty_mask
        velocity = 0.9 * velocity - RATE * grad
        weights = weights + velocity
    return weights


def fit_dev_prior(xs: Array, ys: Array, labels: Sequence[str]) -> Array:  # noqa: ARG001 (same signature)
    return _descend(xs, ys, np.ones(len(xs)))


def fit_traffic_prior(xs: Array, ys: Array, labels: Sequence[str]) -> Array:
    """The dev-prior fit with its class mix swapped for the traffic's: p(c|x) * traffic(c) / train(c), the
    usual correction when only the class mix differs between the training set and the traffic."""
    weights = fit_dev_prior(xs, ys, labels)
    counts = Counter(labels)
    train = np.array([max(counts[label], 1) / len(labels) for label in LABELS])
    weights[:, -1] += np.log(np.array(TRAFFIC_PRIOR)) - np.log(train)
    return weights


FITS: dict[str, Fit] = {"dev-prior": fit_dev_prior, "traffic-prior": fit_traffic_prior}


def predict(weights: Array, xs: Array) -> list[str]:
    return [LABELS[k] for k in softmax(xs @ weights.T).argmax(axis=1)]


def scores(expected: Sequence[str], predicted: Sequence[str], weights: Sequence[float]) -> dict[str, float]:
    """Weighted accuracy and NEUTRAL F1."""
    total = sum(weights)
    hits = sum(w for e, p, w in zip(expected, predicted, weights, strict=True) if e == p)
    tp = sum(w for e, p, w in zip(expected, predicted, weights, strict=True) if e == p == "NEUTRAL")
    fp = sum(w for e, p, w in zip(expected, predicted, weights, strict=True) if p == "NEUTRAL" != e)
    fn = sum(w for e, p, w in zip(expected, predicted, weights, strict=True) if e == "NEUTRAL" != p)
    return {
        "accuracy": round(hits / total, 3),
        "neutral_f1": round(2 * tp / (2 * tp + fp + fn) if tp else 0.0, 3),
    }


def cross_validate(
    fit: Fit, xs: Array, ys: Array, rows: list[dict[str, Any]], folds: list[int]
) -> tuple[list[str], list[str]]:
    """Held-out sentiment predictions, and the priority the rules set from each (as in the pipeline)."""
    labels = [row["sentiment"] for row in rows]
    sentiments = [""] * len(labels)
    for fold in sorted(set(folds)):
        train = [i for i, f in enumerate(folds) if f != fold]
        weights = fit(xs[train], ys[train], [labels[i] for i in train])
        for i in (i for i, f in enumerate(folds) if f == fold):
            sentiments[i] = predict(weights, xs[i : i + 1])[0]
    priorities = [
        decide(s, row["subject"], row["description"]).priority
        for s, row in zip(sentiments, rows, strict=True)
    ]
    return sentiments, priorities


def report(path: Path) -> tuple[dict[str, Any], Array]:
    xs, ys, labels, rows = load(path)
    dev_share = {label: n / len(labels) for label, n in Counter(labels).items()}
    traffic = [TRAFFIC_PRIOR[LABELS.index(label)] / dev_share[label] for label in labels]
    products = sorted({row["product"] for row in rows})
    schemes = {
        "leave-one-out": list(range(len(labels))),
        "leave-one-product-out": [products.index(row["product"]) for row in rows],
    }
    priority_labels = [row["priority"] for row in rows]
    figures: dict[str, Any] = {"n": len(labels)}
    for name, fit in FITS.items():
        figures[name] = {}
        for scheme, folds in schemes.items():
            sentiments, priorities = cross_validate(fit, xs, ys, rows, folds)
            figures[name][scheme] = {
                weighting: {
                    "sentiment": scores(labels, sentiments, weights),
                    "priority_accuracy": scores(priority_labels, priorities, weights)["accuracy"],
                }
                for weighting, weights in (("as counted", [1.0] * len(labels)), ("traffic mix", traffic))
            }
        figures[name]["in-sample accuracy"] = scores(
            labels, predict(fit(xs, ys, labels), xs), [1.0] * len(labels)
        )
    return figures, fit_traffic_prior(xs, ys, labels)


def weights_module(weights: Array) -> str:
    block = "WEIGHTS: dict[str, tuple[float, ...]] = {\n"
    for name, row in zip(CLASSES, weights, strict=True):
        block += f'    "{name}": ({", ".join(f"{w:.4f}" for w in row)}),\n'
    return (
        '"""Weights of the Comprehend stand-in, fitted by tools/calibrate_sentiment.py; do not edit."""\n\n'
        "from __future__ import annotations\n\n"
        f"FEATURES: tuple[str, ...] = ({', '.join(json.dumps(n) for n in (*FEATURE_NAMES, 'bias'))})\n\n"
        + block
        + "}\n"
    )


def main(argv: list[str]) -> None:
    paths = [a for a in argv if not a.startswith("--")]
    figures, weights = report(Path(paths[0]) if paths else DEFAULT_DATA)
    sys.stdout.write(json.dumps(figures, indent=None if "--json" in argv else 2) + "\n")
    if "--write" in argv:
        target = REPO_ROOT / "fake_bedrock" / "stand_ins" / "sentiment_weights.py"
        target.write_text(weights_module(weights), encoding="utf-8")
        sys.stdout.write(f"wrote {target}\n")


if __name__ == "__main__":
    main(sys.argv[1:])

"""Fit the Comprehend stand-in's weights on a labelled archive and estimate how well they generalise.

    python tools/calibrate_sentiment.py [../shared/data/labelled_tickets_dev.jsonl] [--write]

The features come from `fake_bedrock.stand_ins.lexicon` (a fixed support-ticket lexicon); only the weights
of a small multinomial logistic model over them are fitted, against Comprehend's soft scores, with an L2
penalty chosen before looking at the folds. Cross-validated figures (5-fold, leave-one-product-out, and
with `--loo` leave-one-out) fit on the training folds only. They measure the fitted weights, not the
choice of lexicon words, which was made by reading the same tickets: expect unseen data to score a little
lower. `--write` rewrites the WEIGHTS block in fake_bedrock/stand_ins/sentiment_weights.py.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fake_bedrock.stand_ins.lexicon import FEATURE_NAMES, extract  # noqa: E402
from fake_bedrock.stand_ins.priority import decide  # noqa: E402

CLASSES = ("Positive", "Negative", "Neutral", "Mixed")
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "labelled_tickets_dev.jsonl"
L2 = 0.02
STEPS = 1500
RATE = 0.5
HARD_WEIGHT = 0.5  # blend of the one-hot label with the soft scores, so the argmax is what is learned

Vector = list[float]
Matrix = list[list[float]]


def load(path: Path) -> tuple[list[Vector], list[Vector], list[str], list[dict[str, Any]]]:
    xs, ys, labels, rows = [], [], [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        xs.append([*extract(row["description"]).features(), 1.0])
        soft = [float(row[f"sentiment_score_{name.lower()}"]) for name in CLASSES]
        hard = [1.0 if name.upper() == row["sentiment"] else 0.0 for name in CLASSES]
        ys.append([HARD_WEIGHT * h + (1 - HARD_WEIGHT) * s for h, s in zip(hard, soft, strict=True)])
        labels.append(row["sentiment"])
        rows.append(row)
    return xs, ys, labels, rows


def softmax(logits: Vector) -> Vector:
    top = max(logits)
    exps = [math.exp(v - top) for v in logits]
    total = sum(exps)
    return [e / total for e in exps]


def predict(weights: Matrix, x: Vector) -> Vector:
    return softmax([sum(w * v for w, v in zip(row, x, strict=True)) for row in weights])


def fit(xs: list[Vector], ys: list[Vector]) -> Matrix:
    """Full-batch gradient descent with Adam-free momentum; deterministic from zeros."""
    n_features = len(xs[0])
    weights = [[0.0] * n_features for _ in CLASSES]
    velocity = [[0.0] * n_features for _ in CLASSES]
    for _ in range(STEPS):
        grad = [[0.0] * n_features for _ in CLASSES]
        for x, y in zip(xs, ys, strict=True):
            p = predict(weights, x)
            for k in range(len(CLASSES)):
                diff = p[k] - y[k]
                row = grad[k]
                for j, value in enumerate(x):
                    row[j] += diff * value
        for k in range(len(CLASSES)):
            for j in range(n_features):
                penalty = L2 * weights[k][j] if j < n_features - 1 else 0.0
                g = grad[k][j] / len(xs) + penalty
                velocity[k][j] = 0.9 * velocity[k][j] - RATE * g
                weights[k][j] += velocity[k][j]
    return weights


def label_of(weights: Matrix, x: Vector) -> str:
    p = predict(weights, x)
    return CLASSES[max(range(len(CLASSES)), key=lambda k: p[k])].upper()


def cross_validate(
    xs: list[Vector], ys: list[Vector], labels: list[str], rows: list[dict[str, Any]], folds: list[int]
) -> tuple[float, float]:
    """(sentiment accuracy, end-to-end priority accuracy) with weights fitted on the training folds only.

    The priority uses the rules of fake_bedrock.stand_ins.priority (nothing fitted) fed with the held-out
    predicted sentiment, as in the pipeline, so sentiment errors propagate.
    """
    sentiment_hits = priority_hits = 0
    for fold in sorted(set(folds)):
        test = [i for i in range(len(xs)) if folds[i] == fold]
        train = [i for i in range(len(xs)) if folds[i] != fold]
        weights = fit([xs[i] for i in train], [ys[i] for i in train])
        for i in test:
            guess = label_of(weights, xs[i])
            sentiment_hits += guess == labels[i]
            decision = decide(guess, rows[i]["subject"], rows[i]["description"])
            priority_hits += decision.priority == rows[i]["priority"]
    return sentiment_hits / len(xs), priority_hits / len(xs)


def say(line: str) -> None:
    sys.stdout.write(line + "\n")


def main(argv: list[str]) -> None:
    paths = [a for a in argv if not a.startswith("--")]
    xs, ys, labels, rows = load(Path(paths[0]) if paths else DEFAULT_DATA)
    weights = fit(xs, ys)
    guesses = [label_of(weights, x) for x in xs]
    in_sample = sum(g == label for g, label in zip(guesses, labels, strict=True)) / len(xs)
    priority = sum(
        decide(g, row["subject"], row["description"]).priority == row["priority"]
        for g, row in zip(guesses, rows, strict=True)
    ) / len(xs)
    given = sum(
        decide(r["sentiment"], r["subject"], r["description"]).priority == r["priority"] for r in rows
    )
    say(f"in-sample: sentiment {in_sample:.3f}, priority {priority:.3f} (n={len(xs)})")
    say(f"priority rules fed Comprehend's own labels: {given / len(rows):.3f}")
    products = sorted({row["product"] for row in rows})
    schemes = {
        "5-fold": [i % 5 for i in range(len(xs))],
        # Near-duplicate tickets about one product share a fold, so LOO's optimism is visible.
        "leave-one-product-out": [products.index(row["product"]) for row in rows],
    }
    if "--loo" in argv:
        schemes["leave-one-out"] = list(range(len(xs)))
    for name, folds in schemes.items():
        sentiment_cv, priority_cv = cross_validate(xs, ys, labels, rows, folds)
        say(f"{name} CV: sentiment {sentiment_cv:.3f}, priority end to end {priority_cv:.3f}")
    for i, (x, label) in enumerate(zip(xs, labels, strict=True)):
        guess = label_of(weights, x)
        if guess != label:
            say(f"  miss #{i}: {label} -> {guess}")
    block = "WEIGHTS: dict[str, tuple[float, ...]] = {\n"
    for name, row in zip(CLASSES, weights, strict=True):
        block += f'    "{name}": ({", ".join(f"{w:.4f}" for w in row)}),\n'
    block += "}\n"
    say(f"features: {(*FEATURE_NAMES, 'bias')}")
    say(block)
    if "--write" in argv:
        target = ROOT / "fake_bedrock" / "stand_ins" / "sentiment_weights.py"
        header = (
            '"""Weights of the Comprehend stand-in, fitted by tools/calibrate_sentiment.py; do not edit."""'
            "\n\n"
            "from __future__ import annotations\n\n"
            f"FEATURES: tuple[str, ...] = ({', '.join(json.dumps(n) for n in (*FEATURE_NAMES, 'bias'))})\n\n"
        )
        target.write_text(header + block, encoding="utf-8")
        say(f"wrote {target}")


if __name__ == "__main__":
    main(sys.argv[1:])

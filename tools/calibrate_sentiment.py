"""Fit the Comprehend stand-in's weights on a labelled archive and estimate how well they generalise.

    python tools/calibrate_sentiment.py [../shared/data/labelled_tickets_dev.jsonl] [--write]

The features come from `fake_bedrock.lexicon` (a fixed support-ticket lexicon); only the weights of a
small multinomial logistic model over them are fitted, against Comprehend's soft scores, with an L2
penalty chosen before looking at the folds. Leave-one-out and 5-fold figures fit on the training folds
only. `--write` rewrites the WEIGHTS block in fake_bedrock/sentiment_weights.py.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fake_bedrock.lexicon import FEATURE_NAMES, extract  # noqa: E402

CLASSES = ("Positive", "Negative", "Neutral", "Mixed")
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "labelled_tickets_dev.jsonl"
L2 = 0.02
STEPS = 1500
RATE = 0.5
HARD_WEIGHT = 0.5  # blend of the one-hot label with the soft scores, so the argmax is what is learned

Vector = list[float]
Matrix = list[list[float]]


def load(path: Path) -> tuple[list[Vector], list[Vector], list[str]]:
    xs, ys, labels = [], [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        xs.append([*extract(row["description"]).features(), 1.0])
        soft = [float(row[f"sentiment_score_{name.lower()}"]) for name in CLASSES]
        hard = [1.0 if name.upper() == row["sentiment"] else 0.0 for name in CLASSES]
        ys.append([HARD_WEIGHT * h + (1 - HARD_WEIGHT) * s for h, s in zip(hard, soft, strict=True)])
        labels.append(row["sentiment"])
    return xs, ys, labels


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


def cross_validate(xs: list[Vector], ys: list[Vector], labels: list[str], folds: int) -> float:
    hits = 0
    for fold in range(folds):
        test = [i for i in range(len(xs)) if i % folds == fold]
        train = [i for i in range(len(xs)) if i % folds != fold]
        weights = fit([xs[i] for i in train], [ys[i] for i in train])
        hits += sum(label_of(weights, xs[i]) == labels[i] for i in test)
    return hits / len(xs)


def say(line: str) -> None:
    sys.stdout.write(line + "\n")


def main(argv: list[str]) -> None:
    paths = [a for a in argv if not a.startswith("--")]
    xs, ys, labels = load(Path(paths[0]) if paths else DEFAULT_DATA)
    weights = fit(xs, ys)
    in_sample = sum(label_of(weights, x) == label for x, label in zip(xs, labels, strict=True)) / len(xs)
    say(f"in-sample accuracy: {in_sample:.3f} (n={len(xs)})")
    say(f"5-fold CV accuracy: {cross_validate(xs, ys, labels, 5):.3f}")
    if "--loo" in argv:
        say(f"leave-one-out accuracy: {cross_validate(xs, ys, labels, len(xs)):.3f}")
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
        target = ROOT / "fake_bedrock" / "sentiment_weights.py"
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

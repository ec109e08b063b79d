"""Train the intent model from public data and our own examples, and write the shipped file.

    .venv/bin/python -m behflow_server.agent.train [--data DIR] [--out FILE] [--check]

Reads only the training part of every source (`corpus.py` carves the held-out part by a fixed
hash, so the benchmark's held-out figures stay honest), fits scikit-learn's TfidfVectorizer
(with `classifier.features` as the analyzer) and a multinomial LogisticRegression, and exports
the weights to the JSON format that `classifier.IntentModel` reads with the standard library.
The run is deterministic: the same data gives the same file, byte for byte (`--check` verifies
that the shipped file is what the data gives). scikit-learn is needed here only (the `train`
extra), not at run time.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

from behflow_server.agent import corpus
from behflow_server.agent.classifier import FORMAT, MODEL_PATH, IntentModel, features

# Inverse regularisation strength and how strongly rare intents are up-weighted (0: not at
# all, 1: fully balanced); chosen by cross-validation on the training part (see docs/agent.md).
C = 8.0
BALANCE = 0.5
MIN_DF = 2
# Weights are stored as integers / SCALE: 1e-4 resolution, far below what changes a decision.
SCALE = 10_000
# A feature whose largest weight is below this is dropped: it never moves a decision.
PRUNE = 0.005


def class_weights(labels: list[str], balance: float = BALANCE) -> dict[str, float]:
    counts = Counter(labels)
    largest = max(counts.values())
    return {label: (largest / count) ** balance for label, count in counts.items()}


def fit(texts: list[str], labels: list[str], *, c: float = C, balance: float = BALANCE):  # type: ignore[no-untyped-def]  # sklearn ships no types
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    vectorizer = TfidfVectorizer(analyzer=features, sublinear_tf=True, min_df=MIN_DF)
    model = LogisticRegression(
        C=c, class_weight=class_weights(labels, balance), max_iter=3000, solver="lbfgs"
    )
    pipeline = make_pipeline(vectorizer, model)
    pipeline.fit(texts, labels)
    return pipeline


def export(pipeline, meta: dict[str, object]) -> dict[str, object]:  # type: ignore[no-untyped-def]  # sklearn ships no types
    vectorizer, model = pipeline[0], pipeline[1]
    coefficients = model.coef_.T  # features x classes
    table: dict[str, list[object]] = {}
    for name, index in sorted(vectorizer.vocabulary_.items()):
        row = coefficients[index]
        if max(abs(float(w)) for w in row) < PRUNE:
            continue
        table[name] = [
            round(float(vectorizer.idf_[index]), 5),
            [round(float(w) * SCALE) for w in row],
        ]
    return {
        "format": FORMAT,
        "classes": [str(c) for c in model.classes_],
        "intercept": [round(float(b), 6) for b in model.intercept_],
        "scale": SCALE,
        "features": table,
        "meta": meta,
    }


def training_data(
    directory: Path, examples_dir: Path = corpus.EXAMPLES_DIR
) -> tuple[list[str], list[str], dict[str, object]]:
    examples = corpus.intent_examples(directory, "train", examples_dir)
    if not any(e.source != "own" for e in examples):
        raise SystemExit(f"error: no public data in {directory} (see --data)")
    texts = [e.text for e in examples]
    labels = [e.intent for e in examples]
    digest = hashlib.sha256(
        "\n".join(f"{text}\t{label}" for text, label in zip(texts, labels, strict=True)).encode()
    )
    meta: dict[str, object] = {
        "rows": len(texts),
        "by_source": dict(sorted(Counter(e.source for e in examples).items())),
        "by_intent": dict(sorted(Counter(labels).items())),
        "data_sha256": digest.hexdigest(),
        "held_out_percent": corpus.HELD_OUT_PERCENT,
        "C": C,
        "balance": BALANCE,
        "min_df": MIN_DF,
    }
    return texts, labels, meta


def build(directory: Path, examples_dir: Path = corpus.EXAMPLES_DIR) -> bytes:
    texts, labels, meta = training_data(directory, examples_dir)
    exported = export(fit(texts, labels), meta)
    text = json.dumps(exported, separators=(",", ":"), sort_keys=True)
    # mtime=0: the same data gives the same bytes.
    return gzip.compress(text.encode(), compresslevel=9, mtime=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=corpus.DEFAULT_PUBLIC_DIR)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--check", action="store_true", help="verify the shipped file")
    args = parser.parse_args(argv)
    blob = build(args.data)
    if args.check:
        same = args.out.exists() and args.out.read_bytes() == blob
        print("model file is up to date" if same else f"{args.out} differs from a fresh training")
        return 0 if same else 1
    args.out.write_bytes(blob)
    model = IntentModel.load(args.out)
    print(
        f"wrote {args.out} ({len(blob) / 1e6:.2f} MB, {len(model.index)} features, "
        f"{model.meta['rows']} training rows: {model.meta['by_intent']})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

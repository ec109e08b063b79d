"""The intent model: which tool a message asks for, with a confidence.

A linear model (multinomial logistic regression over TF-IDF word and character n-grams) trained
by `behflow_server.agent.train` with scikit-learn on public data plus our own typed examples.
The trained weights ship as `intent_model.json.gz` beside this file; reading a message needs
only the standard library (no scikit-learn, no numpy at run time), so the model loads in a
fraction of a second on the first chat and decides in well under a millisecond.

`features()` is the one definition of what the model sees: training hands it to scikit-learn's
TfidfVectorizer as the analyzer, and `IntentModel.predict` replays the same TF-IDF arithmetic.
"""

from __future__ import annotations

import gzip
import itertools
import json
import math
import re
import threading
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MODEL_PATH = Path(__file__).resolve().parent / "intent_model.json.gz"
FORMAT = "behflow-intent-1"
# A request is a sentence or two; the model reads no further.
MAX_CHARS = 600

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[#@+!?]")
_DIGITS = re.compile(r"\d+")


def _words(text: str) -> list[str]:
    lowered = text.lower().replace("\u2019", "'")[:MAX_CHARS]
    return [_DIGITS.sub("0", word) for word in _WORD.findall(lowered)]


def features(text: str) -> list[str]:
    """Word unigrams and bigrams (with sentence start/end marks), and character 3-5-grams
    inside words, which carry typos and inflections ("remnd", "cancelled")."""
    words = _words(text)
    marked = ["<s>", *words, "</s>"]
    grams = [f"w:{w}" for w in words]
    grams += [f"b:{a} {b}" for a, b in itertools.pairwise(marked)]
    for word in words:
        if len(word) < 3:
            continue
        padded = f"<{word}>"
        for size in (3, 4, 5):
            grams += [f"c:{padded[i : i + size]}" for i in range(len(padded) - size + 1)]
    if text.rstrip().endswith("?"):
        grams.append("q:?")
    return grams


@dataclass(frozen=True)
class Prediction:
    intent: str
    confidence: float
    # Every intent's probability, highest first.
    ranked: tuple[tuple[str, float], ...]

    def probability(self, intent: str) -> float:
        return dict(self.ranked).get(intent, 0.0)


class IntentModel:
    """Weights exported from a trained scikit-learn pipeline (see train.py)."""

    def __init__(self, data: dict[str, Any]) -> None:
        # `data` is the model file's JSON, whose shape train.export writes and a test checks.
        if data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} model file")
        self.classes: list[str] = list(data["classes"])
        self.intercept: list[float] = list(data["intercept"])
        scale = float(data["scale"])
        table: dict[str, tuple[float, list[float]]] = data["features"]
        # Flat arrays, not a tuple of floats per feature: a tenth of the memory.
        self.index: dict[str, int] = {name: i for i, name in enumerate(table)}
        self.idf = array("d", (float(idf) for idf, _ in table.values()))
        self.coefficients = array(
            "d",
            (w / scale for _, quantized in table.values() for w in quantized),
        )
        self.meta: dict[str, object] = dict(data.get("meta", {}))

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> IntentModel:
        with gzip.open(path, "rt", encoding="utf-8") as stream:
            return cls(json.load(stream))

    def predict(self, text: str) -> Prediction:
        counts: dict[int, int] = {}
        for gram in features(text):
            index = self.index.get(gram)
            if index is not None:
                counts[index] = counts.get(index, 0) + 1
        values = {i: (1.0 + math.log(n)) * self.idf[i] for i, n in counts.items()}
        norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
        width = len(self.classes)
        scores = list(self.intercept)
        for index, value in values.items():
            weight = value / norm
            base = index * width
            for k in range(width):
                scores[k] += weight * self.coefficients[base + k]
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        ranked = sorted(
            ((c, e / total) for c, e in zip(self.classes, exps, strict=True)),
            key=lambda pair: -pair[1],
        )
        return Prediction(ranked[0][0], ranked[0][1], tuple(ranked))


_model: IntentModel | None = None
_lock = threading.Lock()


def shipped_model() -> IntentModel:
    """The packaged model, loaded once, on first use."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = IntentModel.load()
    return _model


def classify(text: str) -> Prediction:
    return shipped_model().predict(text)

"""The intent model: the shipped file, the run-time reader against scikit-learn, training."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from behflow_server.agent import corpus, train
from behflow_server.agent.classifier import (
    MODEL_PATH,
    IntentModel,
    classify,
    features,
)

TINY = {
    "add_task": ["add buy milk", "remind me to call mom", "put eggs on my list", "new task: rent"],
    "list_tasks": ["what's on today", "show my tasks", "anything overdue", "what is due friday"],
    "delete_task": ["delete task 4", "remove the milk task", "get rid of #2", "scrap the gym one"],
    "other": ["what's the weather", "tell me a joke", "thanks", "how old are you", "play music"],
}


def _write_public(directory: Path) -> None:
    rows = [
        {"utterance": t, "raw_user_text": t, "behflow_intent": intent, "intent": intent}
        for intent, texts in TINY.items()
        for t in texts * 3
    ]
    (directory / "hwu64.jsonl").write_text("\n".join(json.dumps(r) for r in rows))


def test_the_shipped_model_knows_every_intent_and_is_small() -> None:
    model = IntentModel.load()
    assert sorted(model.classes) == sorted(corpus.INTENTS)
    assert MODEL_PATH.stat().st_size < 5_000_000
    # It was trained on the training part only: the held-out share is recorded with it.
    assert model.meta["held_out_percent"] == corpus.HELD_OUT_PERCENT


def test_predictions_are_probabilities_ranked_highest_first() -> None:
    prediction = classify("remind me to renew my passport next week")
    probabilities = [p for _, p in prediction.ranked]
    assert prediction.intent == "add_task"
    assert abs(sum(probabilities) - 1) < 1e-9
    assert probabilities == sorted(probabilities, reverse=True)
    assert prediction.confidence == probabilities[0]


def test_the_reader_replays_scikit_learn_exactly(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    texts = [t for texts in TINY.values() for t in texts]
    labels = [intent for intent, texts in TINY.items() for _ in texts]
    pipeline = train.fit(texts, labels)
    exported = train.export(pipeline, {})
    exported["features"] = {  # no pruning, to compare to the last digit the format keeps
        name: [float(pipeline[0].idf_[i]), [round(float(w) * train.SCALE) for w in row]]
        for name, i in pipeline[0].vocabulary_.items()
        for row in [pipeline[1].coef_.T[i]]
    }
    model = IntentModel(exported)
    for text in ["add milk to my list", "what is due tomorrow", "delete #7", "hello there", ""]:
        expected = dict(zip(pipeline[1].classes_, pipeline.predict_proba([text])[0], strict=True))
        got = dict(model.predict(text).ranked)
        for intent, probability in expected.items():
            assert got[intent] == pytest.approx(probability, abs=2e-3)


def test_training_is_deterministic_and_reads_only_the_training_part(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    _write_public(tmp_path)
    examples = tmp_path / "examples"
    examples.mkdir()
    (examples / "update_task.txt").write_text("# a comment\nmove #4 to friday\npush it back\n")
    first, second = train.build(tmp_path, examples), train.build(tmp_path, examples)
    assert first == second
    data = json.loads(gzip.decompress(first))
    held_out = corpus.intent_examples(tmp_path, "held_out", examples)
    trained = corpus.intent_examples(tmp_path, "train", examples)
    assert "update_task" in data["classes"]
    assert data["meta"]["rows"] == len(trained)
    assert {(e.source, e.text) for e in held_out}.isdisjoint({(e.source, e.text) for e in trained})


def test_training_without_public_data_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="no public data"):
        train.training_data(tmp_path, tmp_path)


def test_the_held_out_cut_is_fixed_and_about_a_fifth() -> None:
    texts = [f"message number {n}" for n in range(2000)]
    held = [t for t in texts if corpus.is_held_out("own", t)]
    assert 0.17 < len(held) / len(texts) < 0.23
    assert held == [t for t in texts if corpus.is_held_out("own", t.upper())]


def test_features_see_words_pairs_and_typos() -> None:
    grams = features("Remnd me at 5?")
    assert "w:remnd" in grams and "b:<s> remnd" in grams and "c:<rem" in grams
    assert "w:0" in grams  # digits are one feature, whatever the number
    assert "q:?" in grams
    assert len(features("x" * 10_000)) < 2_000  # a pasted essay is read only so far


def test_the_shipped_model_was_trained_on_the_current_examples() -> None:
    """Editing an example file without retraining fails here: run
    `python -m behflow_server.agent.train` (docs/agent.md)."""
    if not (corpus.DEFAULT_PUBLIC_DIR / "hwu64.jsonl").exists():
        pytest.skip("the public data (../shared/data/nlu) is not beside this checkout")
    _, _, meta = train.training_data(corpus.DEFAULT_PUBLIC_DIR)
    assert IntentModel.load().meta["data_sha256"] == meta["data_sha256"]

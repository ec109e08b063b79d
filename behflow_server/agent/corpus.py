"""The annotated text the intent model learns from, and the held-out part nobody tunes on.

Sources: the public data in `../shared/data/nlu/` (HWU64, CLINC150's training split, Duckling's
date phrases) and our own typed examples in `behflow_server/agent/examples/`. Every source is cut
the same way before anything is trained or tuned: a row whose text hashes (SHA-256 of the source
name and the lower-cased text, so the cut does not depend on file order) into the lowest
`HELD_OUT_PERCENT` of 100 buckets is held out. Training, rule writing and tuning read only
`part="train"`; the benchmark reports both parts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

HELD_OUT_PERCENT = 20
# Changing the salt re-draws the cut; it is fixed so that every figure is comparable.
SALT = "behflow-nlu-2026-11"
EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
DEFAULT_PUBLIC_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "nlu"

Part = Literal["train", "held_out", "all"]
INTENTS = (
    "add_task",
    "list_tasks",
    "update_task",
    "complete_task",
    "start_task",
    "block_task",
    "delete_task",
    "other",
)


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    source: str
    # The source's own label and fields (slots, expected values), for the benchmark.
    extra: dict[str, object]


def is_held_out(source: str, text: str) -> bool:
    digest = hashlib.sha256(f"{SALT}\0{source}\0{text.strip().lower()}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < HELD_OUT_PERCENT


def _keep(part: Part, source: str, text: str) -> bool:
    if part == "all":
        return True
    return is_held_out(source, text) == (part == "held_out")


def _jsonl(path: Path) -> Iterator[dict[str, object]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def public_intents(directory: Path, part: Part) -> list[Example]:
    """HWU64 and CLINC150 rows with a Behflow intent ("ambiguous" CLINC rows are left out)."""
    examples = []
    for name, source in (("hwu64.jsonl", "hwu64"), ("clinc150_train.jsonl", "clinc150")):
        path = directory / name
        if not path.exists():
            continue
        for row in _jsonl(path):
            intent = str(row["behflow_intent"])
            text = str(row.get("raw_user_text") or row["utterance"])
            if intent == "ambiguous" or not _keep(part, source, text):
                continue
            extra = {k: v for k, v in row.items() if k in ("intent", "slots")}
            examples.append(Example(text, intent, source, extra))
    return examples


def own_intents(part: Part, directory: Path = EXAMPLES_DIR) -> list[Example]:
    """Our typed examples: `<intent>.txt` (or `<intent>.<writer>.txt`: several writers give more
    varied phrasings), one message a line; a line starting with "# "
    (hash and space) is a comment, so a message may start with a task number ("#7 done")."""
    examples = []
    for path in sorted(directory.glob("*.txt")):
        intent = path.name.split(".")[0]
        for line in path.read_text(encoding="utf-8").splitlines():
            text = line.strip()
            if not text or text == "#" or text.startswith("# "):
                continue
            if _keep(part, "own", text):
                examples.append(Example(text, intent, "own", {}))
    return examples


def intent_examples(directory: Path, part: Part, examples: Path = EXAMPLES_DIR) -> list[Example]:
    return public_intents(directory, part) + own_intents(part, examples)


def date_phrases(directory: Path, part: Part) -> list[dict[str, object]]:
    """Duckling's date phrases (and its non-dates), cut the same way."""
    rows = []
    for name in ("dates.jsonl", "dates_negative.jsonl"):
        path = directory / name
        if path.exists():
            rows += [r for r in _jsonl(path) if _keep(part, "duckling", str(r["text"]))]
    return rows

"""Words to task titles, one way: the stemmer behind list search and finding a task by title.

`stem` turns a word into a prefix that every inflected form of it starts with ("groceries" and
"grocery" -> "grocer", "booked" and "booking" -> "book", "paid" -> "pay"), so a search for the
words a person says ("is the rent paid?") finds the title they typed ("Pay rent"): the search
index matches word prefixes, and title matching compares stems both ways.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol, TypeVar

WORD = re.compile(r"[\w][\w'\u2019-]*")
_TITLE_WORD = re.compile(r"[\w']+")

# Irregular past forms people use about tasks, to the form a title says.
_IRREGULAR = {
    "paid": "pay",
    "bought": "buy",
    "brought": "bring",
    "built": "build",
    "caught": "catch",
    "chose": "choose",
    "chosen": "choose",
    "drew": "draw",
    "drawn": "draw",
    "drove": "drive",
    "driven": "drive",
    "ate": "eat",
    "eaten": "eat",
    "fed": "feed",
    "found": "find",
    "gave": "give",
    "given": "give",
    "kept": "keep",
    "left": "leave",
    "lent": "lend",
    "made": "make",
    "met": "meet",
    "ran": "run",
    "sent": "send",
    "sold": "sell",
    "spent": "spend",
    "taken": "take",
    "took": "take",
    "taught": "teach",
    "told": "tell",
    "thought": "think",
    "won": "win",
    "wrote": "writ",
    "written": "writ",
}
_VOWELS = set("aeiouy")


def _undouble(stem: str) -> str:
    """ "shipp" (from shipped) -> "ship"; a prefix of both forms either way."""
    if len(stem) >= 4 and stem[-1] == stem[-2] and stem[-1] not in _VOWELS:
        return stem[:-1]
    return stem


def stem(word: str) -> str:
    """The prefix shared by the word's plural, -ing and -ed forms (lower case)."""
    lowered = word.lower().replace("\u2019", "'")
    if lowered.endswith("'s"):
        lowered = lowered[:-2]
    if lowered in _IRREGULAR:
        return _IRREGULAR[lowered]
    if len(lowered) > 4 and lowered.endswith("ies"):
        return lowered[:-3]
    if len(lowered) > 4 and re.search(r"(?:s|x|z|ch|sh)es$", lowered):
        return lowered[:-2]
    if len(lowered) > 3 and lowered.endswith("s") and not re.search(r"(?:ss|us|is)$", lowered):
        return lowered[:-1]
    if len(lowered) >= 6 and lowered.endswith("ing"):
        return _undouble(lowered[:-3])
    if len(lowered) >= 5 and lowered.endswith("ed") and not lowered.endswith("eed"):
        return _undouble(lowered[:-2])
    if len(lowered) > 4 and lowered.endswith("y") and lowered[-2] not in _VOWELS:
        return lowered[:-1]
    return lowered


def search_terms(text: str) -> str:
    """Search words as stems: each a word prefix for the search index (see db.task_text_matches)."""
    return " ".join(stem(w) for w in WORD.findall(text))


def title_stems(title: str) -> list[str]:
    return [stem(w) for w in _TITLE_WORD.findall(title.lower())]


def wanted_stems(words: str, noise: frozenset[str] = frozenset()) -> list[str]:
    """The stems of what a person called a task, without the `noise` words."""
    return [stem(w) for w in _TITLE_WORD.findall(words.lower()) if w not in noise]


def _hits(title: str, wanted: Sequence[str]) -> int:
    """How many wanted stems match a title word (one a prefix of the other; short title words
    only match exactly, so "a" does not match everything)."""
    stems = title_stems(title)
    return sum(
        any(t.startswith(w) or w.startswith(t) for t in stems if len(t) > 2 or t == w)
        for w in wanted
    )


class Titled(Protocol):
    @property
    def title(self) -> str: ...


T = TypeVar("T", bound=Titled)


def best_matches(tasks: Sequence[T], wanted: Sequence[str]) -> list[T]:
    """The tasks whose titles share the most stems with `wanted` (none when nothing matches)."""
    scored = [(score, task) for task in tasks if (score := _hits(task.title, wanted))]
    if not scored:
        return []
    best = max(score for score, _ in scored)
    return [task for score, task in scored if score == best]


def close_match(title: str, wanted: Sequence[str]) -> bool:
    """Every wanted stem matched the title, or all but one (often the verb: "paid the
    electricity bill" for "Pay electricity bill") when at least two did."""
    matched = _hits(title, wanted)
    return matched == len(wanted) or (matched >= 2 and matched >= len(wanted) - 1)

"""Locating a date phrase inside free text and the exact character spans it consumed."""

from __future__ import annotations

import re
from datetime import datetime

from behflow_server.phrases.ranges import CONNECTORS, OPENERS, parse_words
from behflow_server.phrases.result import FoundWhen, ParsedWhen
from behflow_server.phrases.tokens import Token, in_vocabulary, tokenize
from behflow_server.phrases.vocabulary import (
    FILLERS,
    MONTHS,
    ORDINAL_WORDS,
    PREPOSITIONS,
    SMALL,
    TENS,
    WEAK_WORDS,
)

MAX_SPAN = 9


def find(text: str, now: datetime, country: str | None = None) -> FoundWhen | None:
    """The longest date phrase in `text`, grammar only; weak phrases need a preposition.

    A date and a time said apart ("tomorrow's meeting at 10am") are read together.
    """
    tokens = tokenize(text)
    spans: list[tuple[int, int, ParsedWhen]] = []
    i = 0
    n = len(tokens)
    while i < n:
        if not in_vocabulary(tokens[i].word):
            i += 1
            continue
        run_end = i
        while run_end < n and in_vocabulary(tokens[run_end].word) and run_end - i < MAX_SPAN:
            run_end += 1
        found = _longest_in_run(tokens, i, run_end, now, country)
        if found is not None:
            spans.append(found)
            i = found[1]
        else:
            i = run_end if run_end > i else i + 1
    if not spans:
        return None
    best = max(spans, key=lambda span: span[1] - span[0])
    start, end, parsed = best
    extra: tuple[tuple[int, int], ...] = ()
    for other in sorted(spans, key=lambda span: abs(span[0] - start)):
        if other is best or other[2].has_time == parsed.has_time:
            continue
        first, second = sorted([best, other])
        words = [t.word for t in tokens[first[0] : first[1]] + tokens[second[0] : second[1]]]
        merged = parse_words(words, now, country)
        if merged is not None and merged.has_time:
            parsed = merged
            extra = (_with_preposition(tokens, other[0], other[1]),)
            break
    return FoundWhen(parsed, *_with_preposition(tokens, start, end), extra)


def _with_preposition(tokens: list[Token], start: int, end: int) -> tuple[int, int]:
    """Character range of the phrase, taking a leading preposition along ("on friday")."""
    if (
        start > 0
        and tokens[start - 1].word in PREPOSITIONS
        and tokens[start].word not in PREPOSITIONS
    ):
        start -= 1
    return tokens[start].start, tokens[end - 1].end


def _longest_in_run(
    tokens: list[Token], run_start: int, run_end: int, now: datetime, country: str | None
) -> tuple[int, int, ParsedWhen] | None:
    for length in range(run_end - run_start, 0, -1):
        for start in range(run_start, run_end - length + 1):
            words = [t.word for t in tokens[start : start + length]]
            if (
                words[0] in FILLERS - {"this", "in", "the", "a", "an", "at"}
                or words[-1] in FILLERS - {"o'clock", "oclock", "ish"}
                or words[0] in CONNECTORS
                or words[-1] in CONNECTORS | OPENERS | {"and"}
            ):
                continue
            parsed = parse_words(words, now, country)
            if parsed is None:
                continue
            preceded = start > 0 and tokens[start - 1].word in PREPOSITIONS | {"next", "every"}
            if not preceded and not _strong(words):
                continue
            # Leave leading filler words that add nothing to the title: "a 7pm meeting".
            while (
                len(words) > 1
                and words[0] in FILLERS - {"this", "the", "coming"}
                and parse_words(words[1:], now, country) == parsed
            ):
                words, start, length = words[1:], start + 1, length - 1
            return start, start + length, parsed
    return None


def _strong(words: list[str]) -> bool:
    """A phrase is weak when every word could be an ordinary word: "the 5th", "may", "sun"."""
    meaningful = [w for w in words if w not in FILLERS]
    if not meaningful:
        return False
    if "at" in words[:-1] and words[-1] not in FILLERS:
        return True  # "at 5": a clock time
    weak = [
        w in WEAK_WORDS
        or w in ORDINAL_WORDS
        or w in SMALL
        or w in TENS
        or bool(re.fullmatch(r"\d{1,2}(st|nd|rd|th)?|\d+", w))
        for w in meaningful
    ]
    if not all(weak):
        return True
    # Only numbers and weak words: a date when it names a month and a day ("may 5").
    return any(w in MONTHS for w in meaningful) and len(meaningful) > 1

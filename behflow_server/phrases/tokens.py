"""Splitting text into lower-cased words with positions, and which words are date words."""

from __future__ import annotations

import re
from dataclasses import dataclass

from behflow_server.phrases.vocabulary import AMPM, FILLERS, SMALL, TENS, VOCAB

_TOKEN = re.compile(r"\S+")
_STRIP = ".,;!?()"


@dataclass(frozen=True)
class Token:
    word: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Lower-cased words with their positions; commas and full stops are separators."""
    tokens: list[Token] = []
    for match in _TOKEN.finditer(text):
        raw = match.group()
        word = raw.lower()
        if word in AMPM or word in {"a.d.", "b.c."}:
            tokens.append(Token(word, match.start(), match.end()))
            continue
        word = word.strip(_STRIP)
        start = match.start() + len(raw) - len(raw.lstrip(_STRIP))
        end = start + len(word)
        if word.endswith(("'s", "\u2019s")) and word[:-2] in VOCAB:
            word = word[:-2]  # "tomorrow's meeting": the phrase still spans the "'s"
        if word:
            tokens.append(Token(word, start, end))
    return tokens


_VOCAB_PATTERN = re.compile(
    r"\d{1,2}(st|nd|rd|th)|\d{1,4}|\d{1,2}(:\d{2}){1,2}(am|pm|a|p)?|\d{1,4}(am|pm|a|p)"
    r"|\d{1,2}(:\d{2})?(am|pm)?[-\u2013]\d{1,2}(:\d{2})?(am|pm)?(st|nd|rd|th)?"
    r"|\d{1,2}h(\d{2})?|\d{1,2}/\d{1,2}(/\d{2,4})?|\d{4}-\d{2}-\d{2}|\d+\.\d+|1/2"
)


def in_vocabulary(word: str) -> bool:
    return word in VOCAB or bool(_VOCAB_PATTERN.fullmatch(word))


def worth_fallback(tokens: list[Token]) -> bool:
    """Only hand a phrase to dateparser when most of it looks like date words."""
    known = sum(in_vocabulary(t.word) for t in tokens)
    return known * 2 > len(tokens) and any(
        in_vocabulary(t.word)
        and t.word not in FILLERS | {"this", "one", "past"} | set(SMALL) | set(TENS)
        and not t.word.isdigit()
        for t in tokens
    )

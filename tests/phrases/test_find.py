"""Finding a date phrase inside a title: the span must cover every word of the phrase."""

from __future__ import annotations

import time

import pytest

from behflow_server.dates import find_when
from tests.phrases.common import NOW, ZONE, at, found, title


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Pay rent on the 1st of next month", "Pay rent"),
        ("Pay rent the 1st of next month", "Pay rent"),
        ("Pay rent 1st of next month", "Pay rent"),
        ("Submit report by the end of the month", "Submit report"),
        ("Send invoice before friday", "Send invoice"),
        ("Call mom next tuesday at 5", "Call mom"),
        ("Dinner friday 3-4pm", "Dinner"),
        ("Standup 9 tomorrow morning", "Standup"),
        ("Plan trip this weekend", "Plan trip"),
        ("Water plants in an hour and a half", "Water plants"),
        ("Finish slides EOD", "Finish slides"),
        ("Team offsite July 13-15", "Team offsite"),
    ],
)
def test_the_title_keeps_only_its_own_words(text: str, kept: str) -> None:
    assert title(text) == kept


def test_found_values() -> None:
    assert found("Pay rent on the 1st of next month").when.value == at(4, 1)
    hit = found("Dinner friday 3-4pm")
    assert (hit.when.value, hit.when.end) == (at(3, 6, 15, 0), at(3, 6, 16, 0))


@pytest.mark.parametrize(
    "text", ["Read The 5th Wave", "Buy may flowers", "Sun cream", "Watch the news tonight later"]
)
def test_weak_or_absent_phrases(text: str) -> None:
    hit = find_when(text, ZONE, NOW)
    assert hit is None or text[hit.start : hit.end] == "tonight"


def test_an_unsure_time_is_reported_not_guessed() -> None:
    hit = found("Call Bob tomorrow at 11 in the afternoon")
    assert hit.when.value == at(3, 5)
    assert not hit.when.has_time
    assert hit.unsure == "11 afternoon"


def test_a_long_message_is_fast() -> None:
    text = ("Remind me to call the bank about the mortgage papers and the car loan, " * 9)[:600]
    text += " next tuesday at 5"
    find_when(text, ZONE, NOW)
    started = time.perf_counter()
    for _ in range(20):
        find_when(text, ZONE, NOW)
    assert (time.perf_counter() - started) / 20 < 0.02  # bench/dates.py measures ~ms

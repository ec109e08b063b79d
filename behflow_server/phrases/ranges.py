"""Intervals: "friday 3-4pm", "3pm to 5pm", "July 13-15", "between monday and wednesday".

A range reads as its start (`value`) and exclusive end (`end`), like Duckling's from/to: "3-4pm"
ends at 16:00, "July 13-15" at the start of July 16 (the last day is included), "next 3 days" is a
window from now/today. Each side is read by the grammar; the side that says less borrows from the
other ("3-4pm": the am/pm; "13-15 July": the month; "from 9 to 11 tomorrow": the day).
"""

from __future__ import annotations

from datetime import datetime

from behflow_server.phrases.grammar import parse_tokens
from behflow_server.phrases.result import ParsedWhen


def parse_words(words: list[str], now: datetime, country: str | None = None) -> ParsedWhen | None:
    """A single phrase or a range made of exactly these words."""
    return parse_tokens(words, now, country)

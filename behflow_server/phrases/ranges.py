"""Intervals: "friday 3-4pm", "3pm to 5pm", "July 13-15", "between monday and wednesday".

A range reads as its start (`value`) and exclusive end (`end`), like Duckling's from/to: "3-4pm"
ends at 16:00 (a clock time ends where it names), "July 13-15" at 00:00 on July 16 (the last day
is included), "10pm-1am" crosses midnight. Each side is read by the grammar; the side that says less
borrows from the other ("3-4pm": the pm; "13-15 July", "the 13th to the 15th of July": the month;
"from 9 to 11 tomorrow": the day, and a bare hour is read as after "at"). "next 3 days" is a
window (see windows.py). A phrase that reads as a single instant is not a range: "10 to 5" is
16:50, "from 10 to 5" a range.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from behflow_server.phrases.grammar import parse_tokens
from behflow_server.phrases.result import ParsedWhen
from behflow_server.phrases.vocabulary import AMPM, MONTHS, WEEKDAYS

CONNECTORS = {"-", "\u2013", "to", "until", "untill", "till", "til", "through", "thru"}
OPENERS = {"from", "between"}
_DASHED = re.compile(r"([^\s\-\u2013]+)[\-\u2013]([^\s\-\u2013]+)")
_BARE_CLOCK = re.compile(r"\d{1,2}(:\d{2})?")
_SUFFIX = re.compile(r"\d{1,2}(?::\d{2})?(am|pm|a\.m\.|p\.m\.)")
_LENGTH = {"week": relativedelta(weeks=1), "month": relativedelta(months=1)}


def parse_words(words: list[str], now: datetime, country: str | None = None) -> ParsedWhen | None:
    """A single phrase or a range made of exactly these words."""
    words = split_dashes(words)
    single = parse_tokens(words, now, country)
    if single is not None or not any(w in CONNECTORS or w in OPENERS for w in words):
        return single
    try:
        return _range(words, now, country)
    except (OverflowError, ValueError):
        return None


def split_dashes(words: list[str]) -> list[str]:
    """ "3-4pm" -> "3", "-", "4pm" (an ISO date "2026-03-04" stays whole)."""
    if not any("-" in w or "\u2013" in w for w in words):
        return words
    out: list[str] = []
    for word in words:
        match = _DASHED.fullmatch(word)
        if match and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", word):
            out += [match.group(1), "-", match.group(2)]
        else:
            out.append(word)
    return out


def _range(words: list[str], now: datetime, country: str | None) -> ParsedWhen | None:
    opener = next((n for n, w in enumerate(words) if w in OPENERS), None)
    prefix = words[:opener] if opener is not None else []
    body = words[opener + 1 :] if opener is not None else words
    between = opener is not None and words[opener] == "between"
    for c in range(1, len(body) - 1):
        if body[c] in CONNECTORS or (between and body[c] == "and"):
            found = _pair(prefix + body[:c], body[c + 1 :], now, country)
            if found is not None:
                return found
    return None


def _pair(
    left: list[str], right: list[str], now: datetime, country: str | None
) -> ParsedWhen | None:
    # Both ends are read from the start of today, so "from 10 to 5" is 10:00-17:00 even at noon;
    # the whole range then moves on by the days the start alone would have moved ("tomorrow").
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    for first, second in _readings(left, right):
        a = parse_tokens(first, midnight, country)
        if a is None or a.end is not None:
            continue
        b = parse_tokens(second, midnight, country)
        if b is None or b.end is not None or (b.has_time and not a.has_time):
            continue
        joined = _join(a, b, second)
        if joined is None:
            continue
        alone = parse_tokens(first, now, country)
        days = (alone.value.date() - a.value.date()).days if alone is not None else 0
        if joined.end is not None and joined.end <= now and days > 0:
            moved = timedelta(days=days)
            joined = replace(joined, value=joined.value + moved, end=joined.end + moved)
        return joined
    return None


def _readings(left: list[str], right: list[str]) -> list[tuple[list[str], list[str]]]:
    """Both sides as said, then each completed from the other."""
    x, y = left[-1], right[0]
    before, after = left[:-1], right[1:]
    suffix = _SUFFIX.fullmatch(y)
    rest = after
    if _BARE_CLOCK.fullmatch(x) and suffix:
        x += suffix.group(1)  # "3-4pm": 3pm
    elif _BARE_CLOCK.fullmatch(x) and after and after[0] in AMPM:
        x, rest = x + AMPM[after[0]], after[1:]  # "3 to 4 pm"
    # Borrowed first: in "1pm-2pm tomorrow" the day belongs to both ends.
    options = [([*before, x, *rest], [*before, *right]), (left, right)]
    if _BARE_CLOCK.fullmatch(left[-1]) or _BARE_CLOCK.fullmatch(y):
        options.append(([*before, "at", x, *rest], [*before, "at", *right]))
    month = next((j for j, word in enumerate(right) if word in MONTHS), None)
    if month is not None and not any(word in MONTHS for word in left):
        # "the 13th to the 15th of July": the first day is in July too.
        tail = right[month - (month > 0 and right[month - 1] == "of") :]
        options.insert(0, ([*left, *tail], right))
    return options


def _join(a: ParsedWhen, b: ParsedWhen, right: list[str]) -> ParsedWhen | None:
    start = a.value
    names_weekday = any(w in WEEKDAYS for w in right)
    if a.has_time and not b.has_time:
        # "monday 9am to friday": up to the end of that day.
        last = b.value.date()
        if last < start.date() and names_weekday:
            last += timedelta(weeks=1 + (start.date() - last).days // 7)
        end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=start.tzinfo)
    elif a.has_time:
        end = b.value
        if end <= start and end + timedelta(days=1) > start:
            end += timedelta(days=1)  # "10pm-1am"
        elif end <= start and names_weekday:
            end += timedelta(weeks=1 + (start - end).days // 7)  # "monday 9am to friday 5pm"
        if end <= start:
            return None
    else:
        last = b.value.date()
        if last < start.date() and names_weekday:
            last += timedelta(weeks=1 + (start.date() - last).days // 7)
        if last < start.date():
            return None
        after = last + _LENGTH.get(b.grain, relativedelta(days=1))
        if b.grain == "year":
            after = last.replace(month=1, day=1) + relativedelta(years=1)
        end = datetime.combine(after, time(0), tzinfo=start.tzinfo)
    return ParsedWhen(start, a.has_time, a.grain, end=end, unsure=a.unsure or b.unsure)

"""Benchmark of the date/time phrase reader over Duckling's English corpus (../shared/data/nlu/).

    .venv/bin/python bench/dates.py [--data DIR] [--errors N]

Rows come through `behflow_server.agent.corpus.date_phrases`, which holds out a fixed 20 % of
every source. Accuracy is printed per phrase class for the "train" part and the "held_out" part;
only the train part's misses may be printed (`--errors`): nobody reads or tunes on held-out texts.
A value is compared at the expected grain; an interval by its start and exclusive end. Where our
task-manager conventions differ from Duckling's on purpose (a bare weekday that is today means
today; a bare hour means 1-7 pm / 8-11 am; "in 3 days" names a day; a part of day is one instant
inside Duckling's interval) the row counts as a convention difference, not a miss. Also prints
non-dates wrongly read and find_when's latency on 600-character messages.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from behflow_server.agent.corpus import date_phrases  # noqa: E402
from behflow_server.dates import ParsedWhen, find_when, parse_when  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "nlu"
ZONE = ZoneInfo("Etc/GMT+2")  # the corpus's -02:00
CLASSES = [
    "holiday",
    "interval/range",
    "period boundary",
    "offset",
    "part of day",
    "clock time",
    "weekday",
    "relative day",
    "absolute date",
    "other",
]
_HOLIDAY = re.compile(
    r"christmas|xmas|easter|thanksgiving|halloween|valentine|new year|memorial|labor day|"
    r"independence|mlk|martin luther|pentecost|whit|lent|ramadan|diwali|hanukkah|"
    r"boxing day|mother'?s day|father'?s day|st\.? patrick|ascension|good friday|palm sunday"
)
_RANGE = re.compile(r"\d\s*[-\u2013]\s*\d|\b(to|between|from|until|till|through|thru)\b")
_BOUNDARY = re.compile(r"\b(end|beginning|start|mid|middle|eod|eow|eom|eoy|late|early)\b")
_OFFSET = re.compile(r"\b(in|within|ago|hence|later|from now|after)\b.*|\bago\b")
_PART = re.compile(r"morning|afternoon|evening|night|tonight|noon|midnight|midday|lunch")
_CLOCK = re.compile(r"\d\s*(am|pm|a\.m|p\.m|a|p)\b|\d:\d|o'?clock|\bat \d|\bquarter|\bhalf")
_WEEKDAY = re.compile(r"\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*\b")
_RELATIVE = re.compile(r"\b(today|tomorrow|yesterday|now|next|last|this|coming|past|week|month)\b")
_ABSOLUTE = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|\d{4}|\d+(st|nd|rd|th)\b|/"
)


def phrase_class(text: str, expected: dict[str, object] | None) -> str:
    """The class of a row by its words (and Duckling's type for ranges)."""
    lowered = text.lower()
    if _HOLIDAY.search(lowered):
        return "holiday"
    if (expected or {}).get("type") in {"interval", "open_interval"} and _RANGE.search(lowered):
        return "interval/range"
    if _RANGE.search(lowered) and not _OFFSET.match(lowered):
        return "interval/range"
    for name, pattern in (
        ("period boundary", _BOUNDARY),
        ("offset", _OFFSET),
        ("part of day", _PART),
        ("clock time", _CLOCK),
        ("weekday", _WEEKDAY),
        ("relative day", _RELATIVE),
        ("absolute date", _ABSOLUTE),
    ):
        if pattern.search(lowered):
            return name
    return "other"


def _truncate(value: datetime, grain: str) -> tuple[int, ...]:
    parts = (value.year, value.month, value.day, value.hour, value.minute, value.second)
    depth = {"year": 1, "quarter": 2, "month": 2, "week": 3, "day": 3, "hour": 4, "minute": 5}
    return parts[: depth.get(grain, 6)]


def _same(got: datetime, expected: str, grain: str) -> bool:
    try:
        wanted = datetime.fromisoformat(expected).astimezone(ZONE)
    except ValueError:  # a year outside datetime's range
        return False
    return _truncate(got.astimezone(ZONE), grain) == _truncate(wanted, grain)


def judge(text: str, expected: dict[str, str], got: ParsedWhen | None, now: datetime) -> str:
    """ "right", "convention" (a deliberate difference) or "miss"."""
    if got is None:
        return "miss"
    grain = expected["grain"]
    kind = expected["type"]
    if kind == "value":
        if _same(got.value, expected["value"], grain):
            return "right"
        return "convention" if _convention(text, got, expected["value"], grain, now) else "miss"
    if kind == "interval":
        start_ok = _same(got.value, expected["from"], grain) if "from" in expected else True
        end_ok = got.end is not None and _same(got.end, expected.get("to", ""), grain)
        if start_ok and end_ok:
            return "right"
        return (
            "convention"
            if (start_ok and _inclusive_end(got, expected)) or _inside(got, expected)
            else "miss"
        )
    # open interval ("after 5pm", "before tomorrow"): the instant it is open from
    return "right" if _same(got.value, expected["at"], grain) else "miss"


def _convention(text: str, got: ParsedWhen, expected: str, grain: str, now: datetime) -> bool:
    lowered = text.lower()
    try:
        wanted = datetime.fromisoformat(expected).astimezone(ZONE)
    except ValueError:
        return False
    value = got.value.astimezone(ZONE)
    # "upcoming two years": a window from today for us, the year two on for Duckling.
    if got.end is not None and value.date() <= wanted.date() < got.end.date():
        return True
    # A bare weekday that is today means today for us, next week's for Duckling.
    if value.date() == now.date() and wanted.date() == now.date() + timedelta(7):
        return True
    # A bare hour without am/pm: ours is 1-7 pm / 8-11 am, Duckling's the next such hour.
    if grain in {"hour", "minute"} and abs(value - wanted) in {timedelta(hours=12)}:
        return True
    # "in 7 days", "3 weeks ago" name a day for a due date, not an instant.
    return bool(
        grain in {"hour", "minute", "second"}
        and not got.has_time
        and value.date() == wanted.date()
        and re.search(r"day|week|month|year", lowered)
    )


STEP = {"hour": timedelta(hours=1), "minute": timedelta(minutes=1), "second": timedelta(0)}


def _inclusive_end(got: ParsedWhen, expected: dict[str, str]) -> bool:
    """Duckling ends "3-4pm" at 17:00 (the last hour included); ours ends at 16:00."""
    step = STEP.get(expected["grain"])
    if got.end is None or step is None or "to" not in expected:
        return False
    return got.end + step == datetime.fromisoformat(expected["to"]).astimezone(ZONE)


def _inside(got: ParsedWhen, expected: dict[str, str]) -> bool:
    """Ours is one instant inside Duckling's interval ("tonight" is 21:00), a window of the same
    length ("next 3 weeks" from today), or the interval's last day as a deadline ("within 2
    weeks")."""
    try:
        start = datetime.fromisoformat(expected["from"]).astimezone(ZONE)
        end = datetime.fromisoformat(expected["to"]).astimezone(ZONE)
    except (KeyError, ValueError):
        return False
    value = got.value.astimezone(ZONE)
    if got.end is not None:
        first = value if got.has_time else value.replace(hour=0, minute=0)
        return got.end - first == end - start
    if not got.has_time and value.date() in {end.date(), (end - timedelta(days=1)).date()}:
        return True
    return start <= value < end


def date_report(rows: Iterable[dict[str, object]]) -> dict[str, object]:
    """Accuracy per phrase class, convention differences, non-dates wrongly read, misses."""
    per_class: dict[str, Counter[str]] = {name: Counter() for name in CLASSES}
    misses: list[tuple[str, str, str]] = []
    negatives = wrongly_read = 0
    for row in rows:
        text = str(row["text"])
        now = datetime.fromisoformat(str(row["reference_time"])).astimezone(ZONE)
        expected = row["expected"]
        got = parse_when(text, ZONE, now)
        if expected is None:
            negatives += 1
            wrongly_read += got is not None
            continue
        assert isinstance(expected, dict)
        verdict = judge(text, expected, got, now)
        counts = per_class[phrase_class(text, expected)]
        counts[verdict] += 1
        counts["total"] += 1
        if verdict == "miss":
            shown = "None"
            if got is not None:
                shown = got.value.isoformat() + (f" .. {got.end.isoformat()}" if got.end else "")
            misses.append((text, str(expected), shown))
    total = Counter[str]()
    for counts in per_class.values():
        total.update(counts)
    return {
        "classes": {name: dict(c) for name, c in per_class.items() if c["total"]},
        "total": dict(total),
        "negatives": negatives,
        "negatives_wrongly_read": wrongly_read,
        "misses": misses,
    }


def find_latency(runs: int = 300) -> dict[str, tuple[float, float]]:
    """find_when on 600-character messages: (median, p95) in milliseconds.

    Each call gets its own `now`, so the grammar's cache of phrases read never answers for a
    call before it: these are cold figures. "dense" is a worst case made of date words only.
    """
    now = datetime(2026, 3, 4, 10, 0, tzinfo=ZONE)
    base = (
        "Remind me to call the bank about the mortgage papers, then pick up the kids at "
        "school, buy groceries for the week (milk, eggs, bread) and send the quarterly report "
        "to Alex before the board meeting; "
    )
    sets = {
        "messages": [
            (base * 4)[:580] + " next tuesday at 5",
            (base * 4)[:560] + " on the 1st of next month",
            (base * 4)[:570] + " friday 3-4pm",
            (base * 4)[:600],
        ],
        "dense": [("friday 3-4pm in 2 hours tomorrow morning the 5th may sun " * 12)[:600]],
    }
    figures = {}
    for name, messages in sets.items():
        timings = []
        for n in range(runs if name == "messages" else runs // 5):
            message = messages[n % len(messages)]
            started = time.perf_counter()
            find_when(message, ZONE, now + timedelta(seconds=n + 1))
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        figures[name] = (statistics.median(timings), timings[int(len(timings) * 0.95)])
    return figures


def _print(part: str, report: dict[str, object]) -> None:
    classes = report["classes"]
    assert isinstance(classes, dict)
    print(f"\n== {part} ==")
    print(f"{'class':18} {'right':>6} {'conv.':>6} {'miss':>6} {'total':>6} {'acc.':>7}")
    for name, c in [*classes.items(), ("all", report["total"])]:
        total = c.get("total", 0)
        right = c.get("right", 0)
        print(
            f"{name:18} {right:6} {c.get('convention', 0):6} {c.get('miss', 0):6} {total:6} "
            f"{right / total:7.1%}"
            if total
            else name
        )
    print(f"non-dates wrongly read: {report['negatives_wrongly_read']} of {report['negatives']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--errors", type=int, default=0, help="print N train misses")
    args = parser.parse_args()
    train = date_report(date_phrases(args.data, "train"))
    _print("train", train)
    misses = train["misses"]
    assert isinstance(misses, list)
    for text, expected, got in misses[: args.errors]:
        print(f"  MISS {text!r}: expected {expected}; got {got}")
    held_out = date_report(date_phrases(args.data, "held_out"))
    held_out["misses"] = []  # never shown: nobody reads or tunes on held-out texts
    _print("held_out", held_out)
    for name, (median, p95) in find_latency().items():
        print(f"find_when, 600-character {name}: median {median:.2f} ms, p95 {p95:.2f} ms")


if __name__ == "__main__":
    main()

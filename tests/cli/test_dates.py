"""behflow_cli.dates: the one relative due label (the shared case table, whole) and recurrence
in words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from behflow_cli.dates import moved_from, recurrence_words, relative_due

TABLE = json.loads((Path(__file__).parents[1] / "support" / "relative_due_cases.json").read_text())


@pytest.mark.parametrize(
    "case", TABLE["cases"], ids=lambda c: f"{c['zone']}:{c['now']}->{c['due']}"
)
def test_relative_due_table(case: dict[str, str]) -> None:
    assert relative_due(case["due"], now=case["now"], zone=case["zone"]) == case["expect"]


def test_the_table_covers_each_kind_of_label() -> None:
    labels = {case["expect"].split(" ")[0] for case in TABLE["cases"]}
    assert {"today", "tomorrow", "in", "overdue", "due", ""} <= labels


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("FREQ=DAILY", "every day"),
        ("FREQ=WEEKLY;BYDAY=MO", "every Monday"),
        ("RRULE:FREQ=WEEKLY;BYDAY=MO,FR", "every Monday and Friday"),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "every weekday"),
        ("FREQ=WEEKLY;INTERVAL=2", "every 2 weeks"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", "every 2 weeks on Friday"),
        ("FREQ=MONTHLY;BYMONTHDAY=1", "every month on the 1st"),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", "every month on the last day"),
        ("FREQ=MONTHLY;BYDAY=-1FR", "every month on the last Friday"),
        ("FREQ=MONTHLY;BYSETPOS=1;BYDAY=MO", "every month on the first Monday"),
        ("FREQ=MONTHLY;BYSETPOS=-1;BYDAY=FR", "every month on the last Friday"),
        ("FREQ=MONTHLY;BYSETPOS=2;BYDAY=MO,TU", "FREQ=MONTHLY;BYSETPOS=2;BYDAY=MO,TU"),
        ("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=25", "every year on 25 Dec"),
        ("FREQ=DAILY;COUNT=3", "every day, 3 times"),
        ("FREQ=DAILY;UNTIL=20261231T235959Z", "every day, until 31 Dec 2026"),
        ("not a rule", "not a rule"),
        (None, ""),
    ],
)
def test_recurrence_words(rule: str | None, words: str) -> None:
    assert recurrence_words(rule) == words


def test_moved_from_names_the_original_day() -> None:
    task = {"original_due_at": "2026-11-20T22:59:00Z", "due_at": "2026-12-04T08:00:00Z"}
    assert moved_from(task, "Europe/Berlin").startswith("moved from 20 Nov")
    assert moved_from({"original_due_at": None}) == ""

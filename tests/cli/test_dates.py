"""behflow_cli.dates: the one relative due label (the shared case table, whole); recurrence in
words is the server's (tests/automation/test_recurrence_series.py), the CLI only shows it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from behflow_cli.dates import moved_from, relative_due, repeats

TABLE = json.loads((Path(__file__).parents[1] / "support" / "relative_due_cases.json").read_text())


@pytest.mark.parametrize(
    "case", TABLE["cases"], ids=lambda c: f"{c['zone']}:{c['now']}->{c['due']}"
)
def test_relative_due_table(case: dict[str, str]) -> None:
    assert relative_due(case["due"], now=case["now"], zone=case["zone"]) == case["expect"]


def test_the_table_covers_each_kind_of_label() -> None:
    labels = {case["expect"].split(" ")[0] for case in TABLE["cases"]}
    assert {"today", "tomorrow", "in", "overdue", "due", ""} <= labels


def test_moved_from_names_the_original_day() -> None:
    task = {"original_due_at": "2026-11-20T22:59:00Z", "due_at": "2026-12-04T08:00:00Z"}
    assert moved_from(task, "Europe/Berlin").startswith("moved from 20 Nov")
    assert moved_from({"original_due_at": None}) == ""


def test_repeats_shows_the_servers_words() -> None:
    assert repeats({"recurrence": "FREQ=DAILY", "recurrence_text": "every day"}) == "every day"
    assert repeats({"recurrence": None, "recurrence_text": None}) == ""

"""The offline model's reading of messages, and the date reader it relies on."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from behflow_server.agent.offline import interpret
from behflow_server.dates import find_when, parse_when

ZONE = ZoneInfo("Europe/Berlin")
# A Tuesday morning.
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=ZONE)


@pytest.mark.parametrize(
    ("text", "intent", "args"),
    [
        (
            "remind me to call mom tomorrow at 5pm",
            "add_task",
            {"title": "Call mom", "due": "2026-11-25T17:00:00+01:00"},
        ),
        ("add buy eggs to my grocery list", "add_task", {"title": "Buy eggs", "tags": ["grocery"]}),
        (
            "Do the dishes tomorrow",
            "add_task",
            {"title": "Do the dishes", "due": "2026-11-25T23:59:00+01:00"},
        ),
        (
            "Remind me about tomorrow's meeting at 10am",
            "add_task",
            {"title": "Meeting", "due": "2026-11-25T10:00:00+01:00"},
        ),
        (
            "schedule dentist for next tuesday at 3pm !high",
            "add_task",
            {"title": "Dentist", "due": "2026-12-01T15:00:00+01:00", "priority": "high"},
        ),
        ("what's overdue?", "list_tasks", {"due": "overdue"}),
        ("what do I have tomorrow", "list_tasks", {"due": "tomorrow"}),
        ("show urgent tasks", "list_tasks", {"priority": "urgent"}),
        ("ok, what's on my calendar this week", "list_tasks", {"due": "week"}),
        ("show completed tasks", "list_tasks", {"status": "completed"}),
        ("tasks about taxes", "list_tasks", {"search": "taxes"}),
        (
            "push it to next monday 9am",
            "update_task",
            {"ref": "it", "due": "2026-11-30T09:00:00+01:00"},
        ),
        ("rename #3 to Call dad", "update_task", {"numbers": [3], "title": "Call dad"}),
        ("make the tax return urgent", "update_task", {"ref": "tax return", "priority": "urgent"}),
        ("delay the haircut by a week", "update_task", {"ref": "haircut", "shift": "1 week"}),
        ("push it back 2 days", "update_task", {"ref": "it", "shift": "2 days"}),
        ("move it up a day", "update_task", {"ref": "it", "shift": "-1 day"}),
        ("mark it done", "complete_task", {"ref": "it"}),
        ("I finished the report", "complete_task", {"ref": "report"}),
        ("mark #3 and #5 as complete", "complete_task", {"numbers": [3, 5]}),
        ("remove the milk from my shopping list", "delete_task", {"ref": "milk"}),
        ("delete task 7", "delete_task", {"numbers": [7]}),
        ("delete all completed tasks", "delete_task", {"match": {"status": "completed"}}),
        ("mark all overdue tasks done", "complete_task", {"match": {"due": "overdue"}}),
        ("remove everything tagged #old", "delete_task", {"match": {"tag": "old"}}),
    ],
)
def test_requests_become_tool_calls(text: str, intent: str, args: dict[str, object]) -> None:
    result = interpret(text, ZONE, NOW)
    assert (result.intent, result.args, result.reply) == (intent, args, None)


@pytest.mark.parametrize(
    "text",
    [
        "hi there",
        "thanks!",
        "tell me a joke",
        "set an alarm for 7am",
        "wake me up at 6",
        "what time is it in london?",
        "change my timezone to pacific",
        "i did not say that",
        "your answer was not clear",
        "Today was a hard day",
        "would you cancel it please",
        "yes",
        "remind me at 5pm",
    ],
)
def test_everything_else_gets_words_not_actions(text: str) -> None:
    result = interpret(text, ZONE, NOW)
    assert result.intent == "other"
    assert result.reply and not result.changes_tasks


def test_a_date_and_a_time_said_apart_are_read_together() -> None:
    text = "Put a 7pm meeting down for March 14th"
    found = find_when(text, ZONE, NOW)
    assert found is not None
    assert found.when.value == datetime(2027, 3, 14, 19, 0, tzinfo=ZONE)
    assert " ".join(found.without(text).split()) == "Put a meeting down"


@pytest.mark.parametrize(
    ("phrase", "expected", "has_time"),
    [
        ("tomorrow 5pm", "2026-11-25 17:00", True),
        ("friday", "2026-11-27 23:59", False),
        ("tuesday", "2026-11-24 23:59", False),
        ("next friday", "2026-12-04 23:59", False),
        ("in 3 days", "2026-11-27 23:59", False),
        ("in 2 hours", "2026-11-24 12:00", True),
        ("the 1st", "2026-12-01 23:59", False),
        ("Monday, Dec 7", "2026-12-07 23:59", False),
        ("last friday of december", "2026-12-25 23:59", False),
        ("saturday morning at 9", "2026-11-28 09:00", True),
        ("at 8 in the evening", "2026-11-24 20:00", True),
        ("seven thirty pm", "2026-11-24 19:30", True),
        ("2026-12-01", "2026-12-01 23:59", False),
    ],
)
def test_date_phrases(phrase: str, expected: str, has_time: bool) -> None:
    parsed = parse_when(phrase, ZONE, NOW)
    assert parsed is not None
    assert parsed.value.strftime("%Y-%m-%d %H:%M") == expected
    assert parsed.has_time is has_time


@pytest.mark.parametrize("text", ["25", "4a", "two three", "laughing out loud", "this one"])
def test_non_dates_stay_non_dates(text: str) -> None:
    assert parse_when(text, ZONE, NOW) is None

"""List questions: message -> list_tasks arguments (`list_args`), and the tool on a real store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from behflow_server.agent.listing import list_args
from behflow_server.agent.tools import ListTasksArgs, ToolRunner
from behflow_server.auth import service as auth_service
from behflow_server.auth.models import RegisterRequest, User
from behflow_server.tasks import service as tasks
from behflow_server.tasks.models import Task, TaskCreate

ZONE = ZoneInfo("Europe/Berlin")
SATURDAY = datetime(2026, 11, 28, 15, 0, tzinfo=ZONE)
SUNDAY = datetime(2026, 11, 29, 15, 0, tzinfo=ZONE)
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=ZONE)


def _at(day: int, hour: int = 0, month: int = 11, year: int = 2026) -> str:
    return datetime(year, month, day, hour, tzinfo=ZONE).isoformat()


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("what's on today?", {"due": "today"}),
        ("what do I have tomorrow", {"due": "tomorrow"}),
        ("anything tonight?", {"due_from": _at(28, 17), "due_to": _at(29)}),
        ("what's due this week", {"due": "week"}),
        ("what's on next week", {"due_from": _at(30), "due_to": _at(7, month=12)}),
        ("what's on this weekend", {"due_from": _at(28), "due_to": _at(30)}),
        ("what do I have the next 3 days", {"due_from": _at(28), "due_to": _at(1, month=12)}),
        (
            "what's on July 13-15",
            {"due_from": _at(13, month=7, year=2027), "due_to": _at(16, month=7, year=2027)},
        ),
        (
            "what's due between monday and wednesday",
            {"due_from": _at(30), "due_to": _at(3, month=12)},
        ),
        ("what's on friday", {"due": "2026-12-04"}),
        ("what's due by friday", {"due_to": _at(5, month=12)}),
        ("anything due before monday", {"due_to": _at(30)}),
        ("what do I have in the coming days", {"due_from": _at(28), "due_to": _at(1, month=12)}),
        ("what's on for the rest of the week", {"due_from": _at(28, 15), "due_to": _at(30)}),
        ("tasks due tomorrow afternoon", {"due_from": _at(29, 12), "due_to": _at(29, 17)}),
        # Asked in the past tense, a weekday is the last one, not the next.
        ("what did I finish since monday", {"status": "completed", "completed_from": _at(23)}),
        (
            "what did I get done on thursday",
            {"status": "completed", "completed_from": _at(26), "completed_to": _at(27)},
        ),
        (
            "anything I finished recently",
            {"status": "completed", "completed_from": _at(22), "completed_to": _at(29)},
        ),
        ("anything overdue?", {"due": "overdue"}),
        ("what did I miss", {"due": "overdue"}),
        (
            "what did I finish today",
            {"status": "completed", "completed_from": _at(28), "completed_to": _at(29)},
        ),
        (
            "what did I get done yesterday",
            {"status": "completed", "completed_from": _at(27), "completed_to": _at(28)},
        ),
        (
            "what did I complete last week",
            {"status": "completed", "completed_from": _at(16), "completed_to": _at(23)},
        ),
        (
            "how many did I complete this week",
            {
                "count_only": True,
                "status": "completed",
                "completed_from": _at(23),
                "completed_to": _at(30),
            },
        ),
        ("how many tasks do I have", {"count_only": True}),
        ("anything about insurance", {"search": "insurance"}),
        ("tasks mentioning the dentist", {"search": "dentist"}),
        ("what do I have for the garden", {"search": "garden"}),
        ("what's high priority", {"priority": "high"}),
        ("urgent stuff", {"priority": "urgent"}),
        ("what's next", {"sort": "due", "limit": 5}),
        ("what should I do now", {"sort": "due", "limit": 5}),
        ("what should I work on today", {"sort": "due", "limit": 5, "due": "today"}),
        ("is the report done?", {"search": "report", "status": "all"}),
        ("did I add the milk?", {"search": "milk", "status": "all"}),
        ("show #work tasks", {"tag": "work"}),
        ("anything @errands", {"tag": "errands"}),
        ("+home tasks", {"tag": "home"}),  # +word is a tag (Taskwarrior)
        ("what's in project:home", {"project": "home"}),
        ("what's in my work project", {"project": "work"}),
        ("what's on my grocery list", {"tag": "grocery"}),
        ("what do I still need to finish today", {"due": "today"}),
        ("show completed tasks", {"status": "completed"}),
        ("delete all completed tasks", {"status": "completed"}),
        ("mark all overdue tasks done", {"due": "overdue"}),
    ],
)
def test_list_args_on_a_saturday(message: str, expected: dict[str, Any]) -> None:
    assert list_args(message, ZONE, SATURDAY) == expected


def test_this_weekend_on_a_sunday_and_a_weekday() -> None:
    # On Sunday the weekend is the one under way; on Monday it is the coming one.
    assert list_args("what's on this weekend", ZONE, SUNDAY) == {
        "due_from": _at(28),
        "due_to": _at(30),
    }
    assert list_args("anything this weekend?", ZONE, MONDAY) == {
        "due_from": _at(5, month=12),
        "due_to": _at(7, month=12),
    }
    assert list_args("what's on next weekend", ZONE, SUNDAY) == {
        "due_from": _at(5, month=12),
        "due_to": _at(7, month=12),
    }


def test_every_window_argument_is_read_back_by_the_tool() -> None:
    for message in ("what's on this weekend", "what did I finish last week", "urgent stuff"):
        ListTasksArgs.model_validate(list_args(message, ZONE, SATURDAY))


def test_the_tool_schema_describes_the_new_fields() -> None:
    schema = ListTasksArgs.model_json_schema()["properties"]
    for name in ("due_from", "due_to", "completed_from", "completed_to", "sort", "count_only"):
        assert schema[name].get("description"), name


# Through the tool, on a real store ------------------------------------------------------------


def _user(session: Session, zone: ZoneInfo = ZONE) -> User:
    return auth_service.register(
        session, RegisterRequest(username="lister", password="correct horse", timezone=zone.key)
    )


def _add(session: Session, user: User, title: str, due: datetime | None = None, **kw: Any) -> Task:
    data = TaskCreate(title=title, due_at=due, **kw)
    return tasks.create_task(session, user, data)


def _done_at(session: Session, user: User, task: Task, when: datetime) -> None:
    completed = tasks.complete_task(session, user, task.number)
    completed.completed_at = when.astimezone(UTC)
    session.add(completed)
    session.commit()


def _ask(session: Session, user: User, message: str, now: datetime, zone: ZoneInfo = ZONE) -> str:
    runner = ToolRunner(session, user, zone, now)
    return runner.run("list_tasks", list_args(message, zone, now))


def test_due_windows_across_midnight(session: Session) -> None:
    user = _user(session)
    _add(session, user, "Late friday", datetime(2026, 11, 27, 23, 30, tzinfo=ZONE))
    _add(session, user, "Saturday midnight", datetime(2026, 11, 28, 0, 0, tzinfo=ZONE))
    _add(session, user, "Saturday evening", datetime(2026, 11, 28, 19, 0, tzinfo=ZONE))
    _add(session, user, "Sunday late", datetime(2026, 11, 29, 23, 59, tzinfo=ZONE))
    _add(session, user, "Monday first thing", datetime(2026, 11, 30, 0, 0, tzinfo=ZONE))
    _add(session, user, "Tuesday", datetime(2026, 12, 1, 10, 0, tzinfo=ZONE))

    weekend = _ask(session, user, "what's on this weekend?", SATURDAY)
    assert "due between Sat 28 Nov and Sun 29 Nov" in weekend
    assert "Saturday midnight" in weekend and "Sunday late" in weekend
    assert "Late friday" not in weekend and "Monday first thing" not in weekend

    tonight = _ask(session, user, "anything tonight", SATURDAY)
    assert "Saturday evening" in tonight and "Saturday midnight" not in tonight

    three = _ask(session, user, "what do I have the next 3 days", SUNDAY)
    assert "due between Sun 29 Nov and Tue 1 Dec" in three
    assert "Sunday late" in three and "Monday first thing" in three and "Tuesday" in three
    assert "Saturday" not in three

    overdue = _ask(session, user, "anything overdue?", SATURDAY)
    assert "Late friday" in overdue and "Saturday evening" not in overdue
    assert overdue.startswith("2 tasks are overdue:")


def test_windows_in_a_far_zone(session: Session) -> None:
    # Auckland is 13 hours ahead of UTC: its "today" starts on the previous UTC day.
    zone = ZoneInfo("Pacific/Auckland")
    user = _user(session, zone)
    now = datetime(2026, 11, 28, 8, 0, tzinfo=zone)
    _add(session, user, "Just after midnight", datetime(2026, 11, 28, 0, 30, tzinfo=zone))
    _add(session, user, "Just before midnight", datetime(2026, 11, 27, 23, 30, tzinfo=zone))
    today = _ask(session, user, "what's on today", now, zone)
    assert "Just after midnight" in today and "Just before midnight" not in today
    assert "due on Sat 28 Nov" in today


def test_completed_windows_and_counts(session: Session) -> None:
    user = _user(session)
    old = _add(session, user, "Paid rent")
    week = [_add(session, user, f"Weekly chore {n}") for n in range(3)]
    late = _add(session, user, "Late night email")
    _add(session, user, "Still open")
    _done_at(session, user, old, datetime(2026, 11, 20, 12, tzinfo=ZONE))  # last week
    for n, task in enumerate(week):
        _done_at(session, user, task, datetime(2026, 11, 24 + n, 9, tzinfo=ZONE))
    # 00:30 Saturday in Berlin is still Friday in UTC.
    _done_at(session, user, late, datetime(2026, 11, 28, 0, 30, tzinfo=ZONE))

    today = _ask(session, user, "what did I finish today?", SATURDAY)
    assert today.startswith("You finished 1 task on Sat 28 Nov")
    assert "Late night email" in today and "Weekly chore" not in today

    count = _ask(session, user, "how many did I complete this week?", SATURDAY)
    assert count.startswith("You completed 4 tasks between Mon 23 Nov and Sun 29 Nov:")
    assert "Paid rent" not in count and "Still open" not in count

    last = _ask(session, user, "what did I finish last week", SATURDAY)
    assert last.startswith("You finished 1 task between Mon 16 Nov and Sun 22 Nov:")
    assert "Paid rent" in last

    none = _ask(session, user, "what did I finish yesterday", MONDAY)
    assert none == "You completed no tasks on Sun 29 Nov."


def test_search_next_up_and_questions(session: Session) -> None:
    user = _user(session)
    _add(session, user, "Renew car insurance", datetime(2026, 12, 10, tzinfo=ZONE))
    _add(session, user, "Call the dentist", datetime(2026, 12, 1, 9, tzinfo=ZONE))
    low = _add(session, user, "Water the garden", datetime(2026, 12, 1, 9, tzinfo=ZONE))
    _add(session, user, "Fix the fence", datetime(2026, 12, 1, 9, tzinfo=ZONE), priority="high")
    report = _add(session, user, "Write the report")
    tasks.complete_task(session, user, report.number)
    assert low.number == 3

    about = _ask(session, user, "anything about insurance?", SATURDAY)
    assert "Renew car insurance" in about and "dentist" not in about

    nxt = _ask(session, user, "what's next?", SATURDAY)
    assert nxt.startswith("Next up:")
    lines = nxt.splitlines()[1:]
    # Same due time: the higher priority first; then by due date.
    assert "Fix the fence" in lines[0]
    assert "Renew car insurance" in lines[-1]

    done = _ask(session, user, "is the report done?", SATURDAY)
    assert done.splitlines()[-1] == "- #5 Write the report, done"
    not_yet = _ask(session, user, "did I call the dentist?", SATURDAY)
    assert not_yet.splitlines()[-1].endswith(
        "Call the dentist, due Tue 01 Dec 2026 09:00 (not done yet)"
    )
    assert tasks.get_task(session, user, 2).status == "not_started"
    total = _ask(session, user, "how many tasks have I completed?", SATURDAY)
    assert total.startswith("You completed 1 task:")

    urgent = _ask(session, user, "what's urgent", SATURDAY)
    assert urgent == "No tasks match: urgent priority or higher."
    assert _ask(session, user, "anything overdue?", SATURDAY) == "Nothing is overdue."


def test_phrases_and_iso_bounds_from_an_llm(session: Session) -> None:
    user = _user(session)
    _add(session, user, "Monday", datetime(2026, 11, 30, 10, tzinfo=ZONE))
    _add(session, user, "Wednesday", datetime(2026, 12, 2, 23, 0, tzinfo=ZONE))
    _add(session, user, "Thursday", datetime(2026, 12, 3, 0, 0, tzinfo=ZONE))
    runner = ToolRunner(session, user, ZONE, SATURDAY)
    # A date phrase as the end includes that whole day.
    reply = runner.run("list_tasks", {"due_from": "monday", "due_to": "wednesday"})
    assert "due between Mon 30 Nov and Wed 2 Dec" in reply
    assert "Monday" in reply and "Wednesday" in reply and "Thursday" not in reply
    # An ISO datetime end is exclusive.
    start = datetime(2026, 11, 30, tzinfo=ZONE)
    reply = runner.run(
        "list_tasks",
        {"due_from": start.isoformat(), "due_to": (start + timedelta(days=3)).isoformat()},
    )
    assert "Thursday" not in reply and "Wednesday" in reply
    counted = runner.run("list_tasks", {"due": "next week", "count_only": True})
    assert counted.startswith("You have 3 open tasks due between Mon 30 Nov and Sun 6 Dec:")
    bad = runner.run("list_tasks", {"due_from": "the twelfth of never"})
    assert bad.startswith("Error:")


def test_open_windows_through_the_tool(session: Session) -> None:
    user = _user(session)
    _add(session, user, "Long overdue", datetime(2026, 11, 2, 9, tzinfo=ZONE))
    _add(session, user, "Friday night", datetime(2026, 12, 4, 23, 0, tzinfo=ZONE))
    _add(session, user, "Saturday after", datetime(2026, 12, 5, 0, 0, tzinfo=ZONE))
    _add(session, user, "Someday")
    reply = _ask(session, user, "what's due by friday?", SATURDAY)
    assert reply.startswith("2 tasks due by Fri 4 Dec:")
    assert "Long overdue" in reply and "Friday night" in reply
    assert "Saturday after" not in reply and "Someday" not in reply


def test_the_list_tool_takes_the_filter_language_and_the_context(session: Session) -> None:
    from behflow_server.filters import service as filters
    from behflow_server.filters.models import FilterCreate

    user = _user(session)
    _add(session, user, "Quarterly report", project="work", tags=["urgent"])
    _add(session, user, "Plan offsite", project="work.q1")
    _add(session, user, "Buy milk", project="home", tags=["urgent"])
    runner = ToolRunner(session, user, ZONE, SATURDAY)
    reply = runner.run("list_tasks", {"query": "project:work -urgent"})
    assert "Plan offsite" in reply and "Quarterly report" not in reply and "Buy milk" not in reply
    assert "matching the filter “project:work -urgent”" in reply
    bad = runner.run("list_tasks", {"query": "prio:high"})
    assert bad == "Error: unknown field 'prio' at 0; did you mean 'priority'?"
    # the active context scopes the agent's reads as every client's
    filters.create_filter(session, user, FilterCreate(name="home", query="project:home"))
    filters.set_context(session, user, "home")
    reply = runner.run("list_tasks", {"tag": "urgent"})
    assert "Buy milk" in reply and "Quarterly report" not in reply

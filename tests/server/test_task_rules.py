"""Every task rule has one home (tasks/service.py, tasks/query.py, tasks/matching.py) and every
caller agrees: PATCH, the agent, the overdue job and skip move a reminder the same way; the REST
list, the agent, the overdue job and the project counts agree on what "open" and "overdue" are;
the agent finds a task by the words a person uses about it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from behflow_server.auth.models import User
from behflow_server.tasks import matching, overdue
from behflow_server.tasks.query import parse_statuses

Headers = dict[str, str]
TASKS = "/api/v1/tasks"
CHAT = "/api/v1/chat"


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _add(client: TestClient, headers: Headers, **fields: object) -> dict:
    response = client.post(TASKS, headers=headers, json=fields)
    assert response.status_code == 201, response.text
    return response.json()


def _say(client: TestClient, headers: Headers, message: str) -> dict:
    response = client.post(CHAT, headers=headers, json={"message": message})
    assert response.status_code == 200, response.text
    return response.json()


# --- one reschedule rule -------------------------------------------------------------------------


def test_every_way_of_moving_a_due_date_moves_the_reminder_alike(
    client: TestClient, auth: Headers
) -> None:
    """PATCH, the agent's "push it back 2 days", skip and the overdue job: the reminder keeps
    its lead time. (Before, the agent and PATCH left it at the old time.)"""
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    for title in ("Pay rent", "Water plants"):
        _add(client, auth, title=title, due_at=_iso(due), remind="90 minutes before")
    later = due + timedelta(days=2)

    patched = client.patch(f"{TASKS}/1", headers=auth, json={"due_at": _iso(later)}).json()
    reply = _say(client, auth, "push water plants back 2 days")
    assert reply["actions"] == [{"action": "updated", "number": 2, "title": "Water plants"}]
    pushed = client.get(f"{TASKS}/2", headers=auth).json()
    assert patched["due_at"] == pushed["due_at"] == _iso(later)
    assert patched["remind_at"] == pushed["remind_at"] == _iso(later - timedelta(minutes=90))

    # A reminder set in the same change is taken as given.
    explicit = client.patch(
        f"{TASKS}/1", headers=auth, json={"due_at": _iso(due), "remind_at": _iso(later)}
    ).json()
    assert explicit["remind_at"] == _iso(later)

    # Skip: the next occurrence, reminder moved by the same rule.
    _add(
        client,
        auth,
        title="Standup",
        due_at=_iso(due),
        remind="15 minutes before",
        recurrence="FREQ=DAILY",
    )
    skipped = client.post(f"{TASKS}/3/skip", headers=auth).json()
    assert skipped["due_at"] == _iso(due + timedelta(days=1))
    assert skipped["remind_at"] == _iso(due + timedelta(days=1) - timedelta(minutes=15))

    # The overdue job: the same rule, plus the kept original.
    past = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
    _add(client, auth, title="Old bill", due_at=_iso(past), remind="1 day before")
    with client.app.state.context.db.session() as session:  # type: ignore[attr-defined]
        user = session.exec(select(User).where(col(User.username) == "alice")).one()
        policy = overdue.OverduePolicy.from_config({"policy": "plus_days", "days": 1})
        overdue.reschedule_overdue(
            session, user, policy, datetime(2026, 11, 22, 12, 0, tzinfo=UTC), ZoneInfo("UTC")
        )
    moved = client.get(f"{TASKS}/4", headers=auth).json()
    assert moved["due_at"] == "2026-11-22T17:00:00Z"
    assert moved["remind_at"] == "2026-11-21T17:00:00Z"
    assert moved["original_due_at"] == _iso(past)


# --- one "open", one "overdue" -------------------------------------------------------------------


def test_open_and_overdue_mean_the_same_to_every_caller(client: TestClient, auth: Headers) -> None:
    now = datetime.now(UTC)
    past, future = _iso(now - timedelta(days=1)), _iso(now + timedelta(days=1))
    _add(client, auth, title="late todo", due_at=past, project="p")  # 1: overdue
    _add(client, auth, title="late doing", due_at=past, status="in_progress", project="p")  # 2
    _add(client, auth, title="late blocked", due_at=past, status="blocked", project="p")  # 3
    _add(client, auth, title="late done", due_at=past, status="completed", project="p")  # 4
    _add(client, auth, title="late deleted", due_at=past, project="p")  # 5
    client.delete(f"{TASKS}/5", headers=auth)
    _add(client, auth, title="ahead", due_at=future, project="p")  # 6
    _add(client, auth, title="undated", project="p")  # 7

    def listed(**params: object) -> list[int]:
        response = client.get(TASKS, headers=auth, params=params)
        assert response.status_code == 200, response.text
        return sorted(t["number"] for t in response.json()["items"])

    late = [1, 2, 3]
    assert listed(due="overdue") == listed(overdue="true") == late
    assert listed(status="open") == [1, 2, 3, 6, 7]
    assert listed(status="open", overdue="true") == late
    assert client.get("/api/v1/projects", headers=auth).json()["items"] == [
        {"name": "p", "open": 5, "overdue": 3, "total": 6}
    ]
    answer = _say(client, auth, "what is overdue?")["reply"]
    assert answer.startswith("3 tasks are overdue")
    assert all(f"#{n} " in answer for n in late) and "#4 " not in answer
    with client.app.state.context.db.session() as session:  # type: ignore[attr-defined]
        user = session.exec(select(User).where(col(User.username) == "alice")).one()
        assert sorted(t.number for t in overdue.overdue_tasks(session, user, now)) == late


def test_the_open_status_filter_has_one_reading() -> None:
    assert parse_statuses(["open"]) == parse_statuses(["not_started", "in_progress", "blocked"])
    assert parse_statuses(["OPEN", "open", "completed"])[-1].value == "completed"
    assert len(parse_statuses(["open", "blocked"])) == 3
    assert parse_statuses([]) == []


def test_an_unknown_status_is_a_422_naming_open(client: TestClient, auth: Headers) -> None:
    response = client.get(TASKS, headers=auth, params={"status": "opened"})
    assert response.status_code == 422
    assert response.json()["error"]["details"] == {"field": "status"}
    assert "or open" in response.json()["error"]["message"]


# --- title words --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "title"),
    [
        ("paid", "pay"),
        ("groceries", "grocery"),
        ("booked", "book"),
        ("booking", "books"),
        ("renewed", "renew"),
        ("shipped", "ship"),
        ("shopping", "shop"),
        ("written", "write"),
        ("taxes", "tax"),
        ("called", "call"),
        ("baked", "bake"),
        ("mom's", "mom"),
    ],
)
def test_one_stem_for_the_forms_of_a_word(said: str, title: str) -> None:
    """The stem of what is said is a prefix of the title's word (the search index matches
    prefixes) and matches the title word's own stem (how the agent finds a task by title)."""
    assert title.startswith(matching.search_terms(said))
    assert matching.close_match(title, [matching.stem(said)])


@pytest.mark.parametrize(("said", "title"), [("grocery", "groceries"), ("party", "parties")])
def test_a_singular_finds_the_plural(said: str, title: str) -> None:
    assert title.startswith(matching.search_terms(said))


@pytest.mark.parametrize(
    ("question", "number"),
    [
        ("is the rent paid?", 1),
        ("have I booked the dentist?", 2),
        ("is the passport renewed?", 3),
        ("was the parcel shipped?", 4),
        ("have I written the report?", 5),
        ("did I buy the groceries?", 6),
    ],
)
def test_a_yes_no_question_finds_the_task_in_other_words(
    client: TestClient, auth: Headers, question: str, number: int
) -> None:
    """The note before said "is the rent paid?" answered "No tasks match"."""
    for title in (
        "Pay rent",
        "Book dentist",
        "Renew passport",
        "Ship the parcel",
        "Write report",
        "Buy grocery",
    ):
        _add(client, auth, title=title)
    client.post(f"{TASKS}/1/complete", headers=auth)
    reply = _say(client, auth, question)["reply"]
    assert f"#{number} " in reply, reply
    assert "No tasks match" not in reply
    assert ("not done yet" in reply) == (number != 1)


def test_the_agent_finds_a_task_by_other_forms_of_its_words(
    client: TestClient, auth: Headers
) -> None:
    _add(client, auth, title="Pay electricity bill")
    _add(client, auth, title="Book flights")
    reply = _say(client, auth, "I paid the electricity bills")
    assert reply["actions"] == [
        {"action": "completed", "number": 1, "title": "Pay electricity bill"}
    ], reply
    assert client.get(f"{TASKS}/2", headers=auth).json()["status"] == "not_started"

"""Quick add: the text reader, and POST /api/v1/tasks/quick over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from behflow_server.errors import InvalidInput
from behflow_server.tasks.quickadd import parse_text
from behflow_server.tasks.recurrence import validate_rule

BERLIN = ZoneInfo("Europe/Berlin")
# A Tuesday morning.
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN)
QUICK = "/api/v1/tasks/quick"
Headers = dict[str, str]


def _local(value: datetime | None) -> str | None:
    return value.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M") if value else None


@pytest.mark.parametrize(
    ("text", "title", "due", "priority", "tags", "project"),
    [
        (
            "Call mom tomorrow 5pm #family !high",
            "Call mom",
            "2026-11-25 17:00",
            "high",
            ["family"],
            None,
        ),
        (
            "Submit report by next friday !1 project:Work",
            "Submit report",
            "2026-12-04 23:59",
            "urgent",
            [],
            "Work",
        ),
        (
            "Dentist 12/03 at 2:30pm #health p2",
            "Dentist",
            "2026-12-03 14:30",
            "high",
            ["health"],
            None,
        ),
        ("urgent fix login bug", "Fix login bug", None, "urgent", [], None),
        ("Review PR low priority", "Review PR", None, "low", [], None),
        ("Buy milk in 3 days", "Buy milk", "2026-11-27 23:59", "none", [], None),
        ("Call bob at 5", "Call bob", "2026-11-24 17:00", "none", [], None),
    ],
)
def test_reads_fields_from_text(
    text: str, title: str, due: str | None, priority: str, tags: list[str], project: str | None
) -> None:
    parsed = parse_text(text, BERLIN, NOW)
    assert parsed.title == title
    assert _local(parsed.due_at) == due
    assert parsed.priority.value == priority
    assert parsed.tags == tags
    assert parsed.project == project


@pytest.mark.parametrize(
    "title",
    ["Read The 5th Wave", "Buy a sun hat", "Plan May trip", "Watch 24", "Fix urgent bug now"],
)
def test_date_like_words_inside_a_title_stay(title: str) -> None:
    parsed = parse_text(title, BERLIN, NOW)
    assert parsed.title == title
    assert parsed.due_at is None


def test_quotes_keep_words_literal() -> None:
    parsed = parse_text('Watch "Friday Night Lights" on friday', BERLIN, NOW)
    assert parsed.title == "Watch Friday Night Lights"
    assert _local(parsed.due_at) == "2026-11-27 23:59"
    parsed = parse_text('"Tomorrow" by Annie #music', BERLIN, NOW)
    assert parsed.title == "Tomorrow by Annie"
    assert parsed.due_at is None


@pytest.mark.parametrize(
    ("text", "title", "rule", "due"),
    [
        ("Team sync every monday at 10am", "Team sync", "FREQ=WEEKLY;BYDAY=MO", "2026-11-30 10:00"),
        (
            "Take out trash every other friday at 5pm",
            "Take out trash",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR",
            "2026-11-27 17:00",
        ),
        (
            "Standup every weekday 9:30am",
            "Standup",
            "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
            "2026-11-25 09:30",
        ),
        (
            "Pay rent on the 1st of every month",
            "Pay rent",
            "FREQ=MONTHLY;BYMONTHDAY=1",
            "2026-12-01 23:59",
        ),
        (
            "Gym every mon, wed and fri at 7am",
            "Gym",
            "FREQ=WEEKLY;BYDAY=MO,WE,FR",
            "2026-11-25 07:00",
        ),
        ("Water plants daily", "Water plants", "FREQ=DAILY", "2026-11-24 23:59"),
        ("Backup every 3 days", "Backup", "FREQ=DAILY;INTERVAL=3", "2026-11-24 23:59"),
        (
            "Mom's birthday every march 3",
            "Mom's birthday",
            "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=3",
            "2027-03-03 23:59",
        ),
    ],
)
def test_recurrence_words_become_a_valid_rule(text: str, title: str, rule: str, due: str) -> None:
    parsed = parse_text(text, BERLIN, NOW)
    assert parsed.title == title
    assert parsed.recurrence == rule
    assert validate_rule(rule) == rule
    assert _local(parsed.due_at) == due


def test_weekly_inside_a_title_is_not_a_recurrence() -> None:
    parsed = parse_text("Write weekly report friday", BERLIN, NOW)
    assert parsed.title == "Write weekly report"
    assert parsed.recurrence is None


def test_text_with_nothing_left_for_a_title_is_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        parse_text("tomorrow 5pm #x", BERLIN, NOW)
    assert error.value.code == "empty_title"


def test_quick_add_creates_the_task(client: TestClient, auth: Headers) -> None:
    response = client.post(QUICK, headers=auth, json={"text": "Pay rent pro:Home #money !high"})
    assert response.status_code == 201, response.text
    task = response.json()
    assert (task["number"], task["title"], task["priority"]) == (1, "Pay rent", "high")
    assert (task["tags"], task["project"]) == (["money"], "Home")
    assert client.get("/api/v1/tasks/1", headers=auth).json() == task


def test_quick_add_reads_dates_in_the_users_zone(
    client: TestClient, register: Callable[..., Headers]
) -> None:
    tokyo = register("kenji", timezone="Asia/Tokyo")
    task = client.post(QUICK, headers=tokyo, json={"text": "Call mom tomorrow 9am"}).json()
    due = datetime.fromisoformat(task["due_at"]).astimezone(ZoneInfo("Asia/Tokyo"))
    assert (due.hour, due.minute) == (9, 0)
    header = {**tokyo, "X-Timezone": "America/New_York"}
    task = client.post(QUICK, headers=header, json={"text": "Call dad tomorrow 9am"}).json()
    due = datetime.fromisoformat(task["due_at"]).astimezone(ZoneInfo("America/New_York"))
    assert (due.hour, due.minute) == (9, 0)


def test_explicit_fields_win_over_the_text(client: TestClient, auth: Headers) -> None:
    body = {
        "text": "Call mom tomorrow #family !high",
        "due": "2030-01-02",
        "priority": "low",
        "tags": ["calls"],
        "project": "Life",
        "description": "about the party",
        "recurrence": "FREQ=MONTHLY",
    }
    task = client.post(QUICK, headers=auth, json=body).json()
    assert task["title"] == "Call mom"
    assert task["due_at"].startswith("2030-01-02T23:59")
    assert (task["priority"], task["tags"], task["project"]) == ("low", ["calls"], "Life")
    assert (task["description"], task["recurrence"]) == ("about the party", "FREQ=MONTHLY")


def test_dry_run_shows_fields_and_saves_nothing(client: TestClient, auth: Headers) -> None:
    body = {"text": "Team sync every monday at 10am #work", "dry_run": True}
    response = client.post(QUICK, headers=auth, json=body)
    assert response.status_code == 200, response.text
    parsed = response.json()["parsed"]
    assert parsed["title"] == "Team sync"
    assert parsed["recurrence"] == "FREQ=WEEKLY;BYDAY=MO"
    assert parsed["tags"] == ["work"]
    assert parsed["due_has_time"] is True
    assert datetime.fromisoformat(parsed["due_at"]).weekday() == 0
    assert client.get("/api/v1/tasks", headers=auth).json()["total"] == 0


BAD_BODIES: list[tuple[dict[str, object], int, str]] = [
    ({"text": ""}, 422, "invalid_input"),
    ({"text": "x" * 2001}, 422, "invalid_input"),
    ({"text": "tomorrow"}, 422, "empty_title"),
    ({"text": "Call mom", "due": "flibbertigibbet"}, 422, "invalid_date"),
    ({"text": "Call mom", "recurrence": "EVERY SO OFTEN"}, 422, "invalid_recurrence"),
    ({"text": "Call mom", "tags": ["two words"]}, 422, "invalid_input"),
    ({"text": "Call mom", "priority": "huge"}, 422, "invalid_input"),
    ({"text": 5}, 422, "invalid_input"),
]


def test_bad_input_gets_a_clear_error(client: TestClient, auth: Headers) -> None:
    for body, status, code in BAD_BODIES:
        for dry_run in (False, True):
            response = client.post(QUICK, headers=auth, json={**body, "dry_run": dry_run})
            assert response.status_code == status, (body, response.text)
            assert response.json()["error"]["code"] == code, body
    assert client.get("/api/v1/tasks", headers=auth).json()["total"] == 0


def test_quick_add_needs_a_login(client: TestClient) -> None:
    assert client.post(QUICK, json={"text": "Call mom"}).status_code == 401


def test_an_unclear_time_is_left_out_and_said() -> None:
    parsed = parse_text("call bob tomorrow at 11 in the afternoon", BERLIN, NOW)
    assert parsed.title == "Call bob"
    assert parsed.due_at is not None and not parsed.due_has_time
    assert parsed.unsure == "11 afternoon"
    assert parse_text("call bob tomorrow at 3 in the afternoon", BERLIN, NOW).unsure is None


def test_characters_of_the_quote_mask_range_cannot_pose_as_quotes() -> None:
    # Found by the schemathesis fuzz: U+F0000 in the text raised IndexError (a 500).
    assert parse_text("\U000f0000", BERLIN, NOW).title == "\ufffd"
    assert parse_text('\U000f0000 "quoted" x', BERLIN, NOW).title == "\ufffd quoted x"


def test_the_dry_run_says_what_it_left_out(client: TestClient, auth: Headers) -> None:
    body = {"text": "call bob tomorrow at 11 in the afternoon", "dry_run": True}
    parsed = client.post(QUICK, headers=auth, json=body).json()["parsed"]
    assert parsed["unsure"] == "11 afternoon" and parsed["due_has_time"] is False
    body["due"] = "tomorrow 3pm"
    explicit = client.post(QUICK, headers=auth, json=body).json()["parsed"]
    assert explicit["unsure"] is None and explicit["due_has_time"] is True

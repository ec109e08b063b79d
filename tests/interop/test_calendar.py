"""The calendar feed: a secret URL serving the user's tasks as iCalendar (parsed back with the
`icalendar` package), rotated and revoked, never showing another user's tasks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from icalendar import Calendar

from tests.interop.support import Headers, add

FEED = "/api/v1/calendar/feed"


def _url(client: TestClient, headers: Headers) -> str:
    response = client.post(FEED, headers=headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["events_url"] == body["url"] + "?events=true"
    return urlsplit(body["url"]).path


def _calendar(client: TestClient, path: str, **params: str) -> Calendar:
    response = client.get(path, params=params)  # no bearer token: the secret is the credential
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def test_the_feed_carries_due_priority_status_tags_rrule_and_alarm(
    client: TestClient, register: Callable[..., Headers]
) -> None:
    alice = register("alice", timezone="Europe/Berlin")
    add(
        client,
        alice,
        title="Standup",
        due_at="2026-12-07T09:00:00+01:00",
        priority="high",
        tags=["work", "daily"],
        recurrence="FREQ=WEEKLY;BYDAY=MO,WE",
        remind="15 minutes before",
    )
    add(client, alice, title="Pay rent", due_at="2026-12-05T23:59:00+01:00", priority="medium")
    add(client, alice, title="Write report", status="in_progress", priority="low")
    add(client, alice, title="Filed taxes", status="completed")
    path = _url(client, alice)
    assert path.endswith(".ics") and path.startswith("/calendar/")
    calendar = _calendar(client, path)
    todos = {str(todo["summary"]): todo for todo in calendar.walk("VTODO")}
    assert set(todos) == {"Standup", "Pay rent", "Write report", "Filed taxes"}
    standup = todos["Standup"]
    assert standup.decoded("due") == datetime.fromisoformat("2026-12-07T09:00:00+01:00")
    assert str(standup.decoded("due").tzinfo) == "Europe/Berlin"
    assert standup["priority"] == 1 and standup["status"] == "NEEDS-ACTION"
    assert standup["categories"].cats == ["work", "daily"]
    assert standup["rrule"].to_ical() == b"FREQ=WEEKLY;BYDAY=MO,WE"
    (alarm,) = standup.walk("VALARM")
    assert alarm.decoded("trigger") == -timedelta(minutes=15)
    assert calendar.walk("VTIMEZONE")[0]["tzid"] == "Europe/Berlin"
    assert todos["Pay rent"].decoded("due") == date(2026, 12, 5)  # all day
    assert todos["Pay rent"]["priority"] == 5
    assert (todos["Write report"]["status"], todos["Write report"]["priority"]) == (
        "IN-PROCESS",
        9,
    )
    assert todos["Filed taxes"]["status"] == "COMPLETED"
    assert todos["Filed taxes"]["percent-complete"] == 100

    events = _calendar(client, path, events="true")
    titles = {str(event["summary"]) for event in events.walk("VEVENT")}
    assert titles == {"Standup", "Pay rent"}
    assert {str(todo["summary"]) for todo in events.walk("VTODO")} == {
        "Write report",
        "Filed taxes",
    }
    event = next(e for e in events.walk("VEVENT") if e["summary"] == "Standup")
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=30)


def test_rotating_or_revoking_stops_the_old_url(
    client: TestClient, register: Callable[..., Headers]
) -> None:
    alice = register("alice")
    assert client.get(FEED, headers=alice).json() == {
        "active": False,
        "created_at": None,
        "last_used_at": None,
    }
    first = _url(client, alice)
    _calendar(client, first)
    status = client.get(FEED, headers=alice).json()
    assert status["active"] is True and status["last_used_at"] is not None
    second = _url(client, alice)
    assert second != first
    gone = client.get(first)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "feed_not_found"
    _calendar(client, second)
    assert client.delete(FEED, headers=alice).status_code == 204
    assert client.get(second).status_code == 404
    assert client.get(FEED, headers=alice).json()["active"] is False
    for guess in ("x" * 43, "short", "x" * 100):
        assert client.get(f"/calendar/{guess}.ics").json()["error"]["code"] == "feed_not_found"
    assert client.post(FEED).status_code == 401


def test_a_feed_shows_only_its_owners_tasks(
    client: TestClient, register: Callable[..., Headers]
) -> None:
    alice = register("alice")
    bob = register("bob")
    add(client, alice, title="Alice's task", due_at="2026-12-05T10:00:00Z")
    add(client, bob, title="Bob's task")
    for headers, mine in ((alice, "Alice's task"), (bob, "Bob's task")):
        calendar = _calendar(client, _url(client, headers))
        summaries = [str(c["summary"]) for c in calendar.walk() if "summary" in c]
        assert summaries == [mine]

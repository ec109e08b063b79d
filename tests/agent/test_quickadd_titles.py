"""Quick add leaves a whole, natural title; the syntaxes of Todoist and Taskwarrior; spans;
task end times."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from behflow_server.dates import FoundWhen
from behflow_server.errors import InvalidInput
from behflow_server.tasks import quickadd
from behflow_server.tasks.quickadd import parse_text, read_text

BERLIN = ZoneInfo("Europe/Berlin")
# A Tuesday morning.
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN)
QUICK = "/api/v1/tasks/quick"
Headers = dict[str, str]


def _local(value: datetime | None) -> str | None:
    return value.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M") if value else None


@pytest.mark.parametrize(
    ("text", "title", "due"),
    [
        (
            "renew car insurance by the end of the month",
            "Renew car insurance",
            "2026-11-30 23:59",
        ),
        (
            "need to send the invoice to Acme before friday",
            "Send the invoice to Acme",
            "2026-11-27 23:59",
        ),
        ("I have to call the plumber tomorrow", "Call the plumber", "2026-11-25 23:59"),
        ("remember to water the plants tonight", "Water the plants", "2026-11-24 21:00"),
        ("buy milk tomorrow !high", "Buy milk", "2026-11-25 23:59"),
        ("I need to book flights on friday", "Book flights", "2026-11-27 23:59"),
        ("gotta fix the fence tomorrow", "Fix the fence", "2026-11-25 23:59"),
        ("I must renew my passport tomorrow", "Renew my passport", "2026-11-25 23:59"),
        ("don't forget to feed the cat tonight", "Feed the cat", "2026-11-24 21:00"),
        ("remind me tomorrow to call Bob", "Call Bob", "2026-11-25 23:59"),
        ("Send report by the end of the month to Bob", "Send report to Bob", "2026-11-30 23:59"),
        ("Pay rent on the 1st", "Pay rent", "2026-12-01 23:59"),
        ("Pay rent on the 1st of next month", "Pay rent", "2026-12-01 23:59"),
    ],
)
def test_titles_have_no_leftovers(text: str, title: str, due: str) -> None:
    parsed = parse_text(text, BERLIN, NOW)
    assert parsed.title == title
    assert _local(parsed.due_at) == due


@pytest.mark.parametrize(
    "title",
    [
        "Read The 5th Wave",
        "Call Will",
        "Meet at the station",
        "Need for speed review",
        "iPhone repair",
        "eBay listing",
    ],
)
def test_real_titles_keep_their_words(title: str) -> None:
    assert parse_text(title, BERLIN, NOW).title == title


def test_words_next_to_a_removed_part_stay_inside_a_title() -> None:
    assert parse_text("A #work report", BERLIN, NOW).title == "A report"
    assert parse_text("Meet at the station tomorrow", BERLIN, NOW).title == "Meet at the station"
    assert parse_text("Call Will tomorrow at 5pm", BERLIN, NOW).title == "Call Will"


def test_quoted_words_stay_literal() -> None:
    parsed = parse_text('remember to "need to know" briefing by friday', BERLIN, NOW)
    assert parsed.title == "need to know briefing"
    parsed = parse_text('Watch "the" tomorrow', BERLIN, NOW)
    assert parsed.title == "Watch the"


def test_attributes_inside_quotes_stay_literal() -> None:
    parsed = parse_text('"Fix project:Home bug" due:friday', BERLIN, NOW)
    assert (parsed.title, parsed.project) == ("Fix project:Home bug", None)
    assert _local(parsed.due_at) == "2026-11-27 23:59"


def test_the_first_letter_is_capitalised_and_the_rest_kept() -> None:
    assert parse_text("call mom about the BBQ tomorrow", BERLIN, NOW).title == (
        "Call mom about the BBQ"
    )


def test_a_lead_in_alone_is_the_title() -> None:
    assert parse_text("remember to", BERLIN, NOW).title == "Remember to"


@pytest.mark.parametrize(
    ("text", "tags", "project", "priority", "due"),
    [
        # Todoist
        ("Buy milk @errands p1", ["errands"], None, "urgent", None),
        ("Buy milk @errands p4 tomorrow", ["errands"], None, "low", "2026-11-25 23:59"),
        # Taskwarrior
        ("Buy milk project:Home +errands", ["errands"], "Home", "none", None),
        ("Buy milk pro:Home priority:H", [], "Home", "high", None),
        ("Buy milk pri:L due:tomorrow", [], None, "low", "2026-11-25 23:59"),
        ("Buy milk due:2026-12-01", [], None, "none", "2026-12-01 23:59"),
        ('Buy milk due:"next friday 5pm"', [], None, "none", "2026-12-04 17:00"),
        ('Buy milk project:"Home Office"', [], "Home Office", "none", None),
        # Behflow
        ("Buy milk #errands !medium friday", ["errands"], None, "medium", "2026-11-27 23:59"),
        # all at once
        ("Buy milk #a @b +c project:Home !low", ["a", "b", "c"], "Home", "low", None),
    ],
)
def test_the_syntax_users_already_know(
    text: str, tags: list[str], project: str | None, priority: str, due: str | None
) -> None:
    parsed = parse_text(text, BERLIN, NOW)
    assert parsed.title == "Buy milk"
    assert parsed.tags == tags
    assert parsed.project == project
    assert parsed.priority.value == priority
    assert _local(parsed.due_at) == due


def test_plus_word_is_a_tag_not_a_project() -> None:
    parsed = parse_text("Pay rent +Home", BERLIN, NOW)
    assert (parsed.tags, parsed.project) == (["home"], None)


@pytest.mark.parametrize("text", ["Reply +1 to bob@example.com", "Email me@example.com"])
def test_plus_numbers_and_email_addresses_stay(text: str) -> None:
    parsed = parse_text(text, BERLIN, NOW)
    assert (parsed.title, parsed.tags) == (text, [])


@pytest.mark.parametrize("text", ["Lunch due:blah", "Lunch priority:X", 'Lunch project:""'])
def test_a_bad_attribute_is_an_error(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_text(text, BERLIN, NOW)


def test_spans_say_which_characters_became_what() -> None:
    text = "I need to pay rent by the end of the month #home !high"
    reading = read_text(text, BERLIN, NOW)
    assert reading.parsed.title == "Pay rent"
    spans = [(s.text, s.field, s.value) for s in reading.spans]
    assert spans == [
        ("I need to", "lead-in", None),
        ("by the end of the month", "due", "2026-11-30T22:59:00+00:00"),
        ("#home", "tags", "home"),
        ("!high", "priority", "high"),
    ]
    for span in reading.spans:
        assert text[span.start : span.end] == span.text


def test_spans_of_attributes_and_recurrence() -> None:
    text = "Standup every weekday 9:30am pro:Work"
    spans = [(s.text, s.field) for s in read_text(text, BERLIN, NOW).spans]
    assert spans == [("every weekday", "recurrence"), ("9:30am", "due"), ("pro:Work", "project")]


def test_dry_run_adds_spans_and_keeps_the_fields(client: TestClient, auth: Headers) -> None:
    body = {"text": "remember to water the plants tonight #home", "dry_run": True}
    response = client.post(QUICK, headers=auth, json=body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert set(result) == {"parsed", "spans"}
    assert set(result["parsed"]) >= {
        "title",
        "description",
        "due_at",
        "due_has_time",
        "priority",
        "tags",
        "project",
        "recurrence",
        "remind_at",
    }
    assert result["parsed"]["title"] == "Water the plants"
    assert [(s["text"], s["field"]) for s in result["spans"]] == [
        ("remember to", "lead-in"),
        ("tonight", "due"),
        ("#home", "tags"),
    ]
    assert set(result["spans"][0]) == {"start", "end", "text", "field", "value"}


# Task end times ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Range:
    """A ParsedWhen with an end, as the phrases package will return for "friday 3-4pm"."""

    value: datetime
    has_time: bool
    end: datetime | None
    grain: str = "minute"


def _fake_range(monkeypatch: pytest.MonkeyPatch) -> None:
    def find(text: str, zone: ZoneInfo, now: datetime | None = None) -> FoundWhen | None:
        start = text.find("friday 3-4pm")
        if start < 0:
            return None
        when = _Range(
            datetime(2026, 11, 27, 15, 0, tzinfo=BERLIN),
            True,
            datetime(2026, 11, 27, 16, 0, tzinfo=BERLIN),
        )
        return FoundWhen(when, start, start + len("friday 3-4pm"))  # type: ignore[arg-type]

    monkeypatch.setattr(quickadd, "find_when", find)


def test_a_range_sets_the_end(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_range(monkeypatch)
    reading = read_text("Team meeting friday 3-4pm", BERLIN, NOW)
    assert reading.parsed.title == "Team meeting"
    assert _local(reading.parsed.due_at) == "2026-11-27 15:00"
    assert _local(reading.parsed.ends_at) == "2026-11-27 16:00"
    assert reading.spans[0].value == "2026-11-27T14:00:00+00:00/2026-11-27T15:00:00+00:00"


def test_a_range_in_the_real_grammar() -> None:
    parsed = parse_text("Team meeting friday 3-4pm", BERLIN, NOW)
    assert parsed.title == "Team meeting"
    assert _local(parsed.due_at) == "2026-11-27 15:00"
    assert _local(parsed.ends_at) == "2026-11-27 16:00"


def test_quick_add_stores_the_end(
    client: TestClient, auth: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_range(monkeypatch)
    task = client.post(QUICK, headers=auth, json={"text": "Team meeting friday 3-4pm"}).json()
    assert task["ends_at"] is not None
    ends = datetime.fromisoformat(task["ends_at"]).astimezone(BERLIN)
    assert (ends.hour, ends.minute) == (16, 0)
    assert client.get("/api/v1/tasks/1", headers=auth).json()["ends_at"] == task["ends_at"]


def test_the_end_follows_the_due_time(client: TestClient, auth: Headers) -> None:
    body = {
        "title": "Workshop",
        "due_at": "2030-01-02T15:00:00Z",
    }
    assert client.post("/api/v1/tasks", headers=auth, json=body).status_code == 201
    one_hour = {"ends_at": "2030-01-02T16:00:00Z"}
    task = client.patch("/api/v1/tasks/1", headers=auth, json=one_hour).json()
    assert task["ends_at"] == "2030-01-02T16:00:00Z"
    # Moving the due time moves the end along; the length stays.
    moved = {"due_at": "2030-01-03T09:00:00Z"}
    task = client.patch("/api/v1/tasks/1", headers=auth, json=moved).json()
    assert task["ends_at"] == "2030-01-03T10:00:00Z"
    # An end before the due time is refused.
    early = client.patch("/api/v1/tasks/1", headers=auth, json={"ends_at": "2030-01-03T08:00Z"})
    assert early.status_code == 422, early.text
    both = {"due_at": "2030-01-03T12:00Z", "ends_at": "2030-01-03T11:00Z"}
    assert client.patch("/api/v1/tasks/1", headers=auth, json=both).status_code == 422
    # Clearing the due time clears the end.
    task = client.patch("/api/v1/tasks/1", headers=auth, json={"due_at": None}).json()
    assert (task["due_at"], task["ends_at"]) == (None, None)


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Write essay over the next 3 days", "Write essay"),
        ("Finish the report within the next 2 weeks", "Finish the report"),
        ("Think it over tomorrow", "Think it over"),
    ],
)
def test_period_prepositions_go_with_their_period(text: str, title: str) -> None:
    assert parse_text(text, BERLIN, NOW).title == title


# behflow task add --explain ------------------------------------------------------------------


@pytest.fixture
def berlin_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The CLI shows times in the machine's zone: make that Berlin for the test."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("berlin_clock")
def test_explain_prints_each_span_and_what_it_became(capsys: pytest.CaptureFixture[str]) -> None:
    from behflow_cli import output
    from behflow_cli.commands import task as task_command

    text = "I need to pay rent on the 1st of next month p2 @home"
    reading = read_text(text, BERLIN, NOW)
    preview = {
        "text": text,
        "parsed": reading.parsed.model_dump(mode="json"),
        "spans": [span.model_dump(mode="json") for span in reading.spans],
    }
    task_command._explain([preview], output.Output("table", None, task_command.TASK_FIELDS))
    lines = capsys.readouterr().out.splitlines()
    assert lines[:5] == [
        text,
        '  "I need to" -> dropped (lead-in)',
        '  "on the 1st of next month" -> due Tue 1 Dec 2026',
        '  "p2" -> priority high',
        '  "@home" -> tag home',
    ]
    assert any("Pay rent" in line for line in lines[5:])


@pytest.mark.usefixtures("berlin_clock")
def test_explain_shows_a_range_on_one_day() -> None:
    from behflow_cli.commands import task as task_command

    span = {"field": "due", "value": "2026-11-27T14:00:00+00:00/2026-11-27T15:00:00+00:00"}
    meaning = task_command._span_meaning(span, {"due_has_time": True})
    assert meaning == "due Fri 27 Nov 2026 15:00-16:00"

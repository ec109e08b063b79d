"""A task added from chat or quick add is titled as a person would write it on a list: no lead-ins
("I should really"), labels ("Reminder:"), connectives of removed fields ("with low priority"),
list suffixes or trailing fillers ("too", "please"); the fields those words carried are read."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from behflow_server.agent.offline import _add
from behflow_server.tasks.quickadd import QuickAdd, parse_text, read_text, resolve

ZONE = ZoneInfo("America/Chicago")
# A Wednesday afternoon.
NOW = datetime(2027, 3, 10, 14, 30, tzinfo=ZONE)
FRIDAY = "2027-03-12T23:59:00-06:00"


def _local(value: datetime | None) -> str | None:
    return value.astimezone(ZONE).isoformat() if value else None


def _chat(message: str) -> dict[str, Any]:
    result = _add(message, ZONE, NOW)
    assert result.reply is None, result.reply
    return result.args


@pytest.mark.parametrize(
    ("message", "title", "due"),
    [
        ("must finish the essay draft by friday", "Finish the essay draft", FRIDAY),
        ("I should really clean the oven", "Clean the oven", None),
        ("I really need to sort out the garage", "Sort out the garage", None),
        ("gotta return the library card", "Return the library card", None),
        ("I ought to phone grandma on friday", "Phone grandma", FRIDAY),
        ("we need to book the campsite", "Book the campsite", None),
        ("let's repaint the fence friday", "Repaint the fence", FRIDAY),
        ("don't forget to water the tomatoes", "Water the tomatoes", None),
        ("pls remember to buy stamps", "Buy stamps", None),
        ("please call the landlord", "Call the landlord", None),
        ("we should probably renew the lease", "Renew the lease", None),
        ("I'd better email the accountant", "Email the accountant", None),
    ],
)
def test_modal_and_filler_lead_ins_go(message: str, title: str, due: str | None) -> None:
    assert _chat(message) == {"title": title, **({"due": due} if due else {})}
    parsed = parse_text(message, ZONE, NOW)
    assert parsed.title == title
    assert _local(parsed.due_at) == due


@pytest.mark.parametrize(
    ("message", "title", "due"),
    [
        ("remind me in an hour to move the car", "Move the car", "2027-03-10T15:30:00-06:00"),
        ("tomorrow I need to call the bank", "Call the bank", "2027-03-11T23:59:00-06:00"),
        ("on friday we have to pack for the trip", "Pack for the trip", FRIDAY),
        ("in 20 minutes remind me to take the pizza out", "Take the pizza out", None),
    ],
)
def test_a_lead_in_left_after_a_date_goes(message: str, title: str, due: str | None) -> None:
    args = _chat(message)
    assert args["title"] == title
    if due is not None:
        assert args["due"] == due
    else:
        assert args["due"] == (NOW + timedelta(minutes=20)).isoformat()


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "add 'order new glasses' with low priority",
            {"title": "Order new glasses", "priority": "low"},
        ),
        (
            "plan the team offsite, tag it work and make it high priority",
            {"title": "Plan the team offsite", "priority": "high", "tags": ["work"]},
        ),
        ("repot the fern with the tag garden", {"title": "Repot the fern", "tags": ["garden"]}),
        ("fix the shelf in my home project", {"title": "Fix the shelf", "project": "home"}),
        (
            "file the tax return, it's urgent",
            {"title": "File the tax return", "priority": "urgent"},
        ),
        (
            "order printer ink and mark it as important",
            {"title": "Order printer ink", "priority": "high"},
        ),
        (
            "fix the gate, put it in my garden project",
            {"title": "Fix the gate", "project": "garden"},
        ),
        (
            "send the invoice in project acme with high priority",
            {"title": "Send the invoice", "project": "acme", "priority": "high"},
        ),
        (
            "buy a birthday card labelled errands",
            {"title": "Buy a birthday card", "tags": ["errands"]},
        ),
    ],
)
def test_priority_tag_and_project_phrases_leave_no_words(
    message: str, expected: dict[str, Any]
) -> None:
    assert _chat(message) == expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "put renew library books on my list for friday",
            {"title": "Renew library books", "due": FRIDAY},
        ),
        ("add eggs to the shopping list", {"title": "Eggs", "tags": ["shopping"]}),
        ("add descale the kettle to my to-do list", {"title": "Descale the kettle"}),
        ("put the plumber on the calendar for friday", {"title": "Plumber", "due": FRIDAY}),
    ],
)
def test_list_suffixes_go(message: str, expected: dict[str, Any]) -> None:
    assert _chat(message) == expected


@pytest.mark.parametrize(
    ("message", "title", "due"),
    [
        ("Reminder: parents evening thursday 7pm", "Parents evening", "2027-03-11T19:00:00-06:00"),
        ("reminder - dentist at 3", "Dentist", "2027-03-10T15:00:00-06:00"),
        ("note: ask about the parking permit", "Ask about the parking permit", None),
        ("todo: wrap presents", "Wrap presents", None),
        ("To do - book the MOT on friday", "Book the MOT", FRIDAY),
        ("Reminder: I need to renew the passport", "Renew the passport", None),
    ],
)
def test_label_prefixes_go_and_their_dates_are_read(
    message: str, title: str, due: str | None
) -> None:
    assert _chat(message) == {"title": title, **({"due": due} if due else {})}
    parsed = parse_text(message, ZONE, NOW)
    assert (parsed.title, _local(parsed.due_at)) == (title, due)


@pytest.mark.parametrize(
    ("message", "title", "due"),
    [
        ("pay the water bill too, due friday", "Pay the water bill", FRIDAY),
        ("book the vet, please", "Book the vet", None),
        ("grab batteries as well", "Grab batteries", None),
        ("email Sarah the slides thanks", "Email Sarah the slides", None),
        ("pick up the dry cleaning friday, thank you!", "Pick up the dry cleaning", FRIDAY),
        ("send a thank you card to Gran", "Send a thank you card to Gran", None),
        ("Write a thank you", "Write a thank you", None),
        ("Buy cake, please and thank you", "Buy cake", None),
    ],
)
def test_trailing_fillers_go(message: str, title: str, due: str | None) -> None:
    assert _chat(message) == {"title": title, **({"due": due} if due else {})}


def test_a_reminder_said_with_the_task_is_read() -> None:
    message = "call the vet tomorrow at 10am and remind me an hour before"
    reading = read_text(message, ZONE, NOW)
    assert reading.parsed.title == "Call the vet"
    assert _local(reading.parsed.due_at) == "2027-03-11T10:00:00-06:00"
    assert _local(reading.parsed.remind_at) == "2027-03-11T09:00:00-06:00"
    assert [span.text for span in reading.spans if span.field == "remind"] == [
        "and remind me an hour before"
    ]
    # Quick add creates it; an explicit `remind` wins over the words.
    quick = resolve(QuickAdd(text=message), ZONE, NOW).parsed
    assert _local(quick.remind_at) == "2027-03-11T09:00:00-06:00"
    explicit = resolve(QuickAdd(text=message, remind="30 minutes before"), ZONE, NOW).parsed
    assert _local(explicit.remind_at) == "2027-03-11T09:30:00-06:00"
    # The chat's title and due are the same (the add tool has no reminder field yet).
    args = _chat(message)
    assert (args["title"], args["due"]) == ("Call the vet", "2027-03-11T10:00:00-06:00")


@pytest.mark.parametrize(
    ("message", "title", "remind"),
    [
        ("dentist friday 3pm, remind me 30 minutes before", "Dentist", "2027-03-12T14:30:00-06:00"),
        (
            "submit the grant on friday at 9am, reminder the day before",
            "Submit the grant",
            "2027-03-11T09:00:00-06:00",
        ),
        (
            "check the oven at 6pm and remind me two hours before it",
            "Check the oven",
            "2027-03-10T16:00:00-06:00",
        ),
    ],
)
def test_reminder_phrases(message: str, title: str, remind: str) -> None:
    parsed = parse_text(message, ZONE, NOW)
    assert (parsed.title, _local(parsed.remind_at)) == (title, remind)


def test_a_reminder_without_a_due_time_stays_in_the_title() -> None:
    parsed = parse_text("remind me an hour before", ZONE, NOW)
    assert parsed.remind_at is None


@pytest.mark.parametrize(
    ("message", "title", "due"),
    [
        (
            "i have a dentist appointment on dec 9 at 11am",
            "Dentist appointment",
            "2027-12-09T11:00:00-06:00",
        ),
        (
            "there's a parents evening on thursday at 7",
            "Parents evening",
            "2027-03-11T19:00:00-06:00",
        ),
        ("we've got a quiz night on friday at 8pm", "Quiz night", "2027-03-12T20:00:00-06:00"),
        (
            "I have a call with the bank tomorrow at 9",
            "Call with the bank",
            "2027-03-11T09:00:00-06:00",
        ),
    ],
)
def test_statements_are_adds(message: str, title: str, due: str) -> None:
    assert _chat(message) == {"title": title, "due": due}


@pytest.mark.parametrize(
    ("message", "due"),
    [
        ("call mom tomorrow evening", "2027-03-11T"),
        ("water the plants friday night", "2027-03-12T"),
        ("go for a run this evening", "2027-03-10T"),
    ],
)
def test_a_part_of_the_day_after_a_date_word_is_still_a_time(message: str, due: str) -> None:
    args = _chat(message)
    assert " " in args["title"] and not args["title"].endswith(("evening", "night"))
    assert args["due"].startswith(due)


@pytest.mark.parametrize(
    "title",
    [
        "Read The 5th Wave",
        "Call Will",
        "Meet at the station",
        "Buy 2 pints of milk",
        "Take the bins out",
        "Cancel the gym membership",
        "Buy a price tag gun",
        "Plan the wedding",
        "Book flights to Rome",
        "Make dinner reservations",
        "Say thank you to Ann",
        "Move files into the project drive",
        "Please Please Me vinyl for dad",
        "Tag the photos from the trip",
        "Check the oil as well as the tyres",
    ],
)
def test_real_titles_stay_whole(title: str) -> None:
    assert _chat(title) == {"title": title}
    assert parse_text(title, ZONE, NOW).title == title


def test_quoted_text_stays_literal() -> None:
    assert _chat('add "I need to call Bob, thanks" on friday') == {
        "title": "I need to call Bob, thanks",
        "due": FRIDAY,
    }
    assert parse_text('"let\'s dance" tomorrow', ZONE, NOW).title == "let's dance"


def test_the_spans_say_what_left_the_title() -> None:
    reading = read_text("Reminder: I really need to pay the water bill too, due friday", ZONE, NOW)
    assert reading.parsed.title == "Pay the water bill"
    fields = {span.text: span.field for span in reading.spans}
    assert fields["Reminder:"] == "lead-in"
    assert fields["I really need to"] == "lead-in"
    assert fields["too,"] == "filler"
    assert fields["due friday"] == "due"

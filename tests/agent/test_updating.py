"""Reading a change to a task (agent/updating.py), and carrying it out on a real store."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session

from behflow_server.agent.graph import build_graph
from behflow_server.agent.models import OfflineChatModel
from behflow_server.agent.offline import _NUMBERS
from behflow_server.agent.tools import ToolRunner
from behflow_server.agent.updating import no_field, update_args
from behflow_server.notes import service as notes
from behflow_server.tasks import service as tasks
from behflow_server.tasks.models import TaskCreate
from tests.agent.test_graph import NOW, ZONE, Conversation, _user


def read(message: str) -> dict[str, Any] | None:
    numbers = [int(n) for n in _NUMBERS.findall(message.lower())]
    return update_args(message, numbers, ZONE, NOW)


def changes(message: str) -> dict[str, Any]:
    args = read(message)
    assert args is not None, message
    return {k: v for k, v in args.items() if k not in {"ref", "numbers"}}


@pytest.mark.parametrize(
    ("message", "ref", "day"),
    [
        ("postpone the book club to the 28th", "book club", "2026-11-28"),
        ("due date for the tax form is now the 30th", "tax form", "2026-11-30"),
        ("the haircut is wednesday now, not monday", "haircut", "2026-11-25"),
        ("can you move the car service to the 27th?", "car service", "2026-11-27"),
    ],
)
def test_a_new_due_date_anywhere_in_the_message(message: str, ref: str, day: str) -> None:
    args = read(message)
    assert args is not None
    assert args["ref"] == ref
    assert args["due"].startswith(day)


def test_corrected_times_read_the_new_one() -> None:
    assert changes("the physio is now 5pm not 4")["due"][11:16] == "17:00"
    assert changes("move the piano lesson to half 3")["due"][11:16] == "15:30"
    assert changes("the hairdresser moved me to 2.15, change it")["due"][11:16] == "14:15"


@pytest.mark.parametrize(
    ("message", "shift"),
    [
        ("delay the invoice 3 days", "3 days"),
        ("push it back a week", "1 week"),
        ("bring the standup forward an hour", "-1 hour"),
        ("push the hygienist a fortnight", "2 weeks"),
    ],
)
def test_shifts(message: str, shift: str) -> None:
    assert changes(message) == {"shift": shift}


@pytest.mark.parametrize(
    ("message", "target"),
    [
        ("no due date for #12", {"numbers": [12]}),
        ("remove the date from the shed one", {"ref": "shed"}),
        ("clear the deadline on learn piano", {"ref": "learn piano"}),
        ("take the due date off the novel task", {"ref": "novel"}),
    ],
)
def test_clearing_the_date(message: str, target: dict[str, Any]) -> None:
    assert read(message) == {**target, "clear_due": True}


@pytest.mark.parametrize(
    ("message", "target", "title"),
    [
        (
            'change "plumber" to "plumber - bring invoice"',
            {"ref": "plumber"},
            "plumber - bring invoice",
        ),
        ("retitle the run task: 10k tempo", {"ref": "run"}, "10k tempo"),
        ("edit #14 title: renew passport (adult)", {"numbers": [14]}, "renew passport (adult)"),
        ("the cat one should say flea drops for Tom", {"ref": "cat"}, "flea drops for Tom"),
        ("rename task 5 to Buy 2 tickets for 12 May", {"numbers": [5]}, "Buy 2 tickets for 12 May"),
        ("call it 'Annual review' instead", {"ref": "it"}, "Annual review"),
    ],
)
def test_renames_keep_the_new_title_whole(message: str, target: dict[str, Any], title: str) -> None:
    assert read(message) == {**target, "title": title}


def test_a_typo_fix_names_the_wrong_and_the_right_word() -> None:
    assert read("fix the typo in #2, it's 'calendar' not 'calender'") == {
        "numbers": [2],
        "title_fix": ["calender", "calendar"],
    }


@pytest.mark.parametrize(
    ("message", "change"),
    [
        ("bump the slides to p1", {"priority": "urgent"}),
        ("downgrade #4 to p3", {"priority": "medium"}),
        ("priority:H for the lease renewal", {"priority": "high"}),
        ("make it urgent", {"priority": "urgent"}),
        ("lower the priority on the hallway painting", {"priority_step": -1}),
        ("raise the priority of the visa form", {"priority_step": 1}),
    ],
)
def test_priority(message: str, change: dict[str, Any]) -> None:
    assert changes(message) == change


@pytest.mark.parametrize(
    ("message", "change"),
    [
        ("tag #3 with #errands", {"add_tags": ["errands"]}),
        ("add #money to the rent task", {"add_tags": ["money"]}),
        ("tag the yoga one @health", {"add_tags": ["health"]}),
        ("add the garden tag to the hedge trimming", {"add_tags": ["garden"]}),
        ("remove the #work tag from #9", {"remove_tags": ["work"]}),
        ("untag the laundry one", {"clear_tags": True}),
    ],
)
def test_tags(message: str, change: dict[str, Any]) -> None:
    assert changes(message) == change


def test_a_tag_that_picks_tasks_is_not_added() -> None:
    assert "add_tags" not in changes("move all the #home ones due today to tomorrow")


@pytest.mark.parametrize(
    ("message", "ref", "project"),
    [
        ("move the bookshelf into project:flat", "bookshelf", "flat"),
        ("put the kitchen tasks in the renovation project", "kitchen", "renovation"),
        ("take the roof quote out of project:house", "roof quote", ""),
    ],
)
def test_project(message: str, ref: str, project: str) -> None:
    assert read(message) == {"ref": ref, "project": project}


@pytest.mark.parametrize(
    ("message", "ref", "note"),
    [
        ("note on the vet task - ask about the booster", "vet", "Ask about the booster"),
        ('add "gate code 1234" to the pick up parcel task', "pick parcel", "Gate code 1234"),
        ("stick a note on the landlord one, he prefers email", "landlord", "He prefers email"),
        ("the electrician task - add his number 07700 900456", "electrician", None),
    ],
)
def test_notes(message: str, ref: str, note: str | None) -> None:
    args = read(message)
    assert args is not None and args["ref"] == ref and "numbers" not in args
    assert args["add_note"] == (note or "His number 07700 900456")


@pytest.mark.parametrize(
    ("message", "change"),
    [
        ("set #3 to repeat weekly", {"recurrence": "FREQ=WEEKLY"}),
        ("the swimming one is now fortnightly", {"recurrence": "FREQ=WEEKLY;INTERVAL=2"}),
        (
            "change the recurrence of #8 to every other week",
            {"recurrence": "FREQ=WEEKLY;INTERVAL=2"},
        ),
        ("make the choir every tue thu", {"recurrence": "FREQ=WEEKLY;BYDAY=TU,TH"}),
        ("stop the feed the fish one from repeating", {"stop_repeating": True}),
    ],
)
def test_recurrence(message: str, change: dict[str, Any]) -> None:
    assert changes(message) == change


def test_nothing_to_read_is_none() -> None:
    assert read("edit the dentist") is None
    assert read("update #2") is None


@pytest.mark.parametrize(
    "message",
    [
        "give the hoovering task to the kids",
        "assign the bins to Sam",
        "make the meeting 45 mins long",
        "change the location of the viewing to the cafe",
    ],
)
def test_fields_behflow_does_not_have(message: str) -> None:
    answer = no_field(message)
    assert answer is not None and "no" in answer


def test_dates_to_a_day_are_not_a_person() -> None:
    assert no_field("move the dentist to Friday") is None


# --- through the graph, on a real store ---------------------------------------------------


def _add(session: Session, user: Any, title: str, **fields: Any) -> int:
    task = tasks.create_task(session, user, TaskCreate(title=title, **fields), zone=ZONE)
    return task.number


def test_edits_through_the_offline_model(session: Session) -> None:
    user = _user(session, "ula")
    chat = Conversation(build_graph(OfflineChatModel()), session, user)
    number = _add(session, user, "Pay the reciept", due="2026-11-30", tags=["home", "money"])

    def say(text: str) -> ToolRunner:
        reply, runner = chat.say(text)
        assert runner.actions, (text, reply)
        return runner

    say(f"fix the typo in #{number}, it's receipt not reciept")
    task = tasks.get_task(session, user, number)
    assert task.title == "Pay the receipt"

    say(f"no due date for #{number}")
    assert tasks.get_task(session, user, number).due_at is None

    say(f"remove the #home tag from #{number}")
    say(f"tag #{number} with #admin")
    assert tasks.get_task(session, user, number).tags == ["money", "admin"]

    say(f"move #{number} into project:house")
    assert tasks.get_task(session, user, number).project == "house"
    say(f"take #{number} out of project:house")
    assert tasks.get_task(session, user, number).project is None

    say(f"note on #{number} - bring the card")
    say(f"add a note to #{number}: keep the stub")
    _, kept = notes.list_notes(session, user, number)
    assert [n.body for n in kept] == ["Bring the card", "Keep the stub"]

    say(f"set #{number} to repeat weekly")
    assert tasks.get_task(session, user, number).recurrence == "FREQ=WEEKLY"
    say(f"stop #{number} from repeating")
    assert tasks.get_task(session, user, number).recurrence is None

    say(f"make #{number} high priority")
    say(f"lower the priority on #{number}")
    assert tasks.get_task(session, user, number).priority == "medium"


def test_removing_a_tag_the_task_lacks_is_a_question(session: Session) -> None:
    user = _user(session, "vic")
    chat = Conversation(build_graph(OfflineChatModel()), session, user)
    number = _add(session, user, "Water plants", tags=["home"])
    reply, runner = chat.say(f"remove the #work tag from #{number}")
    assert runner.actions == [] and "not tagged #work" in reply
    assert tasks.get_task(session, user, number).tags == ["home"]


def test_a_field_behflow_lacks_changes_nothing(session: Session) -> None:
    user = _user(session, "wen")
    chat = Conversation(build_graph(OfflineChatModel()), session, user)
    _add(session, user, "Laundry")
    reply, runner = chat.say("give the laundry task to the kids")
    assert runner.actions == [] and "no assignee" in reply


def test_a_loose_match_proposes_the_edit_first(session: Session) -> None:
    user = _user(session, "xan")
    chat = Conversation(build_graph(OfflineChatModel()), session, user)
    number = _add(session, user, "Renew car insurance")
    reply, runner = chat.say("tag the insurance for the van and the boat with car")
    assert runner.actions == [] and "Did you mean" in reply and "#car" in reply
    _reply, runner = chat.say("yes")
    assert runner.actions and tasks.get_task(session, user, number).tags == ["car"]


def test_bare_days_lunch_and_cleared_notes() -> None:
    assert changes("change due date of #6 to 30th")["due"].startswith("2026-11-30")
    assert changes("could you reschedule #15 for after lunch")["due"][11:16] == "13:00"
    assert read("clear the notes on the flights task") == {"ref": "flights", "description": ""}


def test_clearing_notes_on_a_real_store(session: Session) -> None:
    user = _user(session, "yul")
    chat = Conversation(build_graph(OfflineChatModel()), session, user)
    number = _add(session, user, "Book flights", description="seat 12A")
    _reply, runner = chat.say(f"clear the notes on #{number}")
    assert runner.actions and tasks.get_task(session, user, number).description is None

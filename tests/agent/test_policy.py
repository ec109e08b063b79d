"""When a change may happen: questions, confidence, loose matches; offline model and an LLM."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage
from sqlmodel import Session

from behflow_server.agent import policy
from behflow_server.agent.graph import build_graph
from behflow_server.agent.models import OfflineChatModel
from behflow_server.notes import service as notes
from behflow_server.tasks import service as tasks
from behflow_server.tasks.models import TaskCreate
from tests.agent.test_graph import ZONE, Conversation, ScriptedModel, _titles, _user


@pytest.mark.parametrize(
    "text",
    [
        "is the report done?",
        "did you add the milk?",
        "have I booked the flights yet",
        "how do I delete a task?",
        "has #4 been done",
        "what is overdue",
        "should I call mom",
    ],
)
def test_questions_are_questions(text: str) -> None:
    assert policy.is_question(text)


@pytest.mark.parametrize(
    "text",
    [
        "do the dishes tonight",
        "have to call the plumber",
        "can you add milk?",
        "could you mark #4 done",
        "take the bins out",
        "is",
    ],
)
def test_requests_are_not_questions(text: str) -> None:
    assert not policy.is_question(text)


def test_a_start_or_block_is_an_update_with_a_status() -> None:
    assert policy.intent_of_call("update_task", {"status": "in_progress"}) == "start_task"
    assert policy.intent_of_call("update_task", {"status": "blocked"}) == "block_task"
    assert policy.intent_of_call("update_task", {"due": "friday"}) == "update_task"
    assert policy.review("list_tasks", {}, "delete everything").decision == "act"


def _seed(session: Session, *titles: str):  # type: ignore[no-untyped-def]
    user = _user(session, "alice")
    for title in titles:
        tasks.create_task(session, user, TaskCreate(title=title), zone=ZONE)
    return user


def test_a_question_about_a_task_changes_nothing(session: Session) -> None:
    user = _seed(session, "Finish quarterly report", "Buy milk")
    chat = Conversation(build_graph(OfflineChatModel()), session, user)
    for question in ("is the report done?", "did you add the milk?", "have I finished the report"):
        reply, runner = chat.say(question)
        assert runner.actions == [] and chat.pending is None, (question, reply)
    assert [s for _, _, s in _titles(session, user)] == ["not_started", "not_started"]


def test_saying_it_happened_completes_the_task(session: Session) -> None:
    user = _seed(session, "Pay electricity bill", "Call the bank")
    chat = Conversation(build_graph(OfflineChatModel()), session, user)
    # Every word but the verb ("paid" is not "Pay") matches the title: done at once.
    _reply, runner = chat.say("paid the electricity bill")
    assert runner.actions == [{"action": "completed", "number": 1, "title": "Pay electricity bill"}]


def test_a_loose_match_is_proposed_and_done_after_a_yes(session: Session) -> None:
    user = _seed(session, "Call the bank about the mortgage", "Buy milk")
    chat = Conversation(build_graph(OfflineChatModel()), session, user)
    reply, runner = chat.say("finally phoned the building society about the mortgage")
    assert runner.actions == []
    assert _titles(session, user)[0][2] == "not_started"
    if chat.pending is not None:
        assert "Did you mean" in reply and "#1" in reply
        _reply, runner = chat.say("yes")
        assert runner.actions[0]["number"] == 1
        assert _titles(session, user)[0][2] == "completed"


def test_starting_and_blocking_set_the_status(session: Session) -> None:
    user = _seed(session, "Quarterly slides", "Website launch")
    chat = Conversation(build_graph(OfflineChatModel()), session, user)
    chat.say("I'm starting on the quarterly slides")
    chat.say("the website launch is blocked on legal")
    assert [s for _, _, s in _titles(session, user)] == ["in_progress", "blocked"]
    _, kept = notes.list_notes(session, user, 2)
    assert [n.body for n in kept] == ["Blocked on legal"]


def test_task_content_that_sounds_like_a_delete_is_offered_as_a_new_task(
    session: Session,
) -> None:
    user = _seed(session, "Buy milk")
    chat = Conversation(build_graph(OfflineChatModel()), session, user)
    _reply, runner = chat.say("take the bins out")
    assert runner.actions == []
    assert [t for _, t, _ in _titles(session, user)] == ["Buy milk"]
    if chat.pending is not None:  # offered as a new task, never as a delete
        assert chat.pending["tool"] == "add_task"
        _reply, runner = chat.say("yes")
        assert runner.actions[0]["title"] == "Take the bins out"
    else:
        assert "Take the bins out" in [t for _, t, _ in _titles(session, user)]


def test_timers_and_alarms_are_not_tasks(session: Session) -> None:
    user = _seed(session)
    chat = Conversation(build_graph(OfflineChatModel()), session, user)
    for text in ("set a timer for 10 minutes", "wake me at 7", "set an alarm for 6am"):
        reply, runner = chat.say(text)
        assert runner.actions == [] and "not alarms or timers" in reply
    assert _titles(session, user) == []


def test_an_llm_cannot_change_a_task_on_a_question(session: Session) -> None:
    user = _seed(session, "Finish quarterly report")
    call = {"name": "complete_task", "args": {"numbers": [1]}, "id": "c1"}
    model = ScriptedModel(
        script=[AIMessage(content="", tool_calls=[call]), AIMessage(content="It is not done.")]
    )
    chat = Conversation(build_graph(model), session, user)
    _reply, runner = chat.say("is the report done?")
    assert runner.actions == [] and chat.pending is None
    assert _titles(session, user)[0][2] == "not_started"


def test_an_llm_change_the_message_does_not_ask_for_is_proposed(session: Session) -> None:
    user = _seed(session, "Finish quarterly report")
    call = {"name": "complete_task", "args": {"numbers": [1]}, "id": "c1"}
    model = ScriptedModel(
        script=[AIMessage(content="", tool_calls=[call]), AIMessage(content=""), AIMessage("")]
    )
    chat = Conversation(build_graph(model), session, user)
    _reply, runner = chat.say("the weather is lovely today")
    assert runner.actions == [] and "Did you mean" in str(model.seen[-1][-1].content)
    assert chat.pending is not None and chat.pending["tool"] == "complete_task"
    _reply, runner = chat.say("yes")
    assert runner.actions[0]["action"] == "completed"


def test_an_unclear_time_is_left_out_and_said(session: Session) -> None:
    user = _seed(session)
    chat = Conversation(build_graph(OfflineChatModel()), session, user)
    reply, runner = chat.say("remind me to call bob tomorrow at 11 in the afternoon")
    assert runner.actions[0]["title"] == "Call bob"
    task = tasks.get_task(session, user, 1)
    assert task.due_at is not None and task.due_at.astimezone(ZONE).strftime("%H:%M") == "23:59"
    assert "I left out “11 afternoon”" in reply

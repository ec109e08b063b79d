"""The agent graph on a real store: the offline model end to end, and a scripted model."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from sqlmodel import Session

from behflow_server.agent.graph import build_graph
from behflow_server.agent.models import OfflineChatModel
from behflow_server.agent.tools import ToolRunner
from behflow_server.auth import service as auth_service
from behflow_server.auth.models import RegisterRequest, User
from behflow_server.tasks import service as tasks
from behflow_server.tasks.models import TaskCreate
from behflow_server.tasks.query import TaskQuery

ZONE = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=ZONE)


class ScriptedModel(BaseChatModel):
    """Answers with the next scripted message; records what it was shown."""

    script: list[AIMessage]
    seen: list[list[BaseMessage]] = []
    fail: bool = False

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedModel:  # type: ignore[override]
        return self

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        if self.fail:
            raise TimeoutError("the model took too long")
        self.seen.append(list(messages))
        return ChatResult(generations=[ChatGeneration(message=self.script.pop(0))])


def _user(session: Session, name: str) -> User:
    return auth_service.register(
        session, RegisterRequest(username=name, password="correct horse", timezone=ZONE.key)
    )


class Conversation:
    """Sends messages through one compiled graph, carrying memory like the chat service."""

    def __init__(self, graph: Any, session: Session, user: User) -> None:
        self.graph, self.session, self.user = graph, session, user
        self.history: list[BaseMessage] = []
        self.recent: list[int] = []
        self.pending: dict[str, Any] | None = None

    def say(self, text: str) -> tuple[str, ToolRunner]:
        runner = ToolRunner(self.session, self.user, ZONE, NOW, recent=list(self.recent))
        state = {"messages": [*self.history, HumanMessage(content=text)], "pending": self.pending}
        result = self.graph.invoke(state, {"configurable": {"runner": runner}})
        self.history += [HumanMessage(content=text), AIMessage(content=result["reply"])]
        self.recent, self.pending = result["recent"], result.get("pending")
        return result["reply"], runner


def _titles(session: Session, user: User, **query: Any) -> list[tuple[int, str, str]]:
    found, _ = tasks.list_tasks(session, user, TaskQuery(**query), zone=ZONE)
    return [(t.number, t.title, t.status) for t in found]


def test_offline_model_adds_completes_and_lists(session: Session) -> None:
    user = _user(session, "alice")
    chat = Conversation(build_graph(OfflineChatModel()), session, user)

    reply, runner = chat.say("remind me to call mom tomorrow at 5pm #family")
    assert "#1" in reply and "Call mom" in reply
    assert runner.actions == [{"action": "created", "number": 1, "title": "Call mom"}]
    task = tasks.get_task(session, user, 1)
    assert task.tags == ["family"]
    assert task.due_at is not None
    assert task.due_at.astimezone(ZONE).strftime("%Y-%m-%d %H:%M") == "2026-11-25 17:00"

    reply, runner = chat.say("mark it done")
    assert runner.actions == [{"action": "completed", "number": 1, "title": "Call mom"}]
    assert tasks.get_task(session, user, 1).status == "completed"

    chat.say("add buy milk")
    reply, runner = chat.say("what's on my list?")
    assert "Buy milk" in reply and "Call mom" not in reply
    assert runner.actions == []


def test_title_words_pick_a_task_and_ambiguity_asks(session: Session) -> None:
    user = _user(session, "alice")
    for title in ("Dentist appointment", "Pay dentist bill", "Buy groceries"):
        tasks.create_task(session, user, TaskCreate(title=title), zone=ZONE)
    chat = Conversation(build_graph(OfflineChatModel()), session, user)

    reply, runner = chat.say("push the groceries task to friday")
    assert runner.actions == [{"action": "updated", "number": 3, "title": "Buy groceries"}]
    due = tasks.get_task(session, user, 3).due_at
    assert due is not None and due.astimezone(ZONE).weekday() == 4

    reply, runner = chat.say("mark the dentist one as done")
    assert runner.actions == []
    assert "Which one" in reply and "#1" in reply and "#2" in reply

    reply, runner = chat.say("mark the dentist bill as done")
    assert [a["number"] for a in runner.actions] == [2]


def test_delete_waits_for_yes_and_anything_else_cancels(session: Session) -> None:
    user = _user(session, "alice")
    tasks.create_task(session, user, TaskCreate(title="Buy groceries"), zone=ZONE)
    chat = Conversation(build_graph(OfflineChatModel()), session, user)

    reply, runner = chat.say("delete the grocery task")
    assert runner.actions == [] and chat.pending is not None
    assert "#1" in reply and "yes" in reply
    reply, runner = chat.say("what's due today?")
    assert chat.pending is None and "Cancelled" in reply
    assert tasks.get_task(session, user, 1).archived_at is None

    chat.say("delete the grocery task")
    reply, runner = chat.say("no")
    assert "cancelled" in reply.lower() and runner.actions == []

    chat.say("delete #1")
    reply, runner = chat.say("Yes, delete it.")
    assert runner.actions == [{"action": "deleted", "number": 1, "title": "Buy groceries"}]
    assert tasks.get_task(session, user, 1).archived_at is not None


def test_changing_several_tasks_needs_confirmation(session: Session) -> None:
    user = _user(session, "alice")
    for title in ("One", "Two"):
        tasks.create_task(session, user, TaskCreate(title=title), zone=ZONE)
    chat = Conversation(build_graph(OfflineChatModel()), session, user)
    _, runner = chat.say("mark #1 and #2 as done")
    assert runner.actions == [] and chat.pending is not None
    _, runner = chat.say("yes")
    assert sorted(a["number"] for a in runner.actions) == [1, 2]


def test_tools_never_touch_another_users_tasks(session: Session) -> None:
    alice, bob = _user(session, "alice"), _user(session, "bob")
    tasks.create_task(session, bob, TaskCreate(title="Bob's secret plan"), zone=ZONE)
    chat = Conversation(build_graph(OfflineChatModel()), session, alice)
    for text in (
        "mark #1 done",
        "delete #1",
        "move #1 to friday",
        "show my tasks",
        "mark the secret plan as done",
    ):
        reply, runner = chat.say(text)
        assert runner.actions == [] and chat.pending is None
        assert "secret" not in reply.lower() or "no task matching" in reply.lower()
    assert _titles(session, bob) == [(1, "Bob's secret plan", "not_started")]


def test_scripted_model_drives_the_tools_and_sees_errors(session: Session) -> None:
    user = _user(session, "alice")
    model = ScriptedModel(
        script=[
            AIMessage(
                content="",
                tool_calls=[
                    {
                        "name": "add_task",
                        "args": {"title": "Buy milk", "due": "tomorrow 9am"},
                        "id": "c1",
                    },
                    {"name": "complete_task", "args": {"numbers": [99]}, "id": "c2"},
                    {"name": "add_task", "args": {"title": ""}, "id": "c3"},
                ],
            ),
            AIMessage(content="Added #1; #99 does not exist."),
        ],
        seen=[],
    )
    chat = Conversation(build_graph(model), session, user)
    reply, runner = chat.say("add buy milk tomorrow 9am and finish task 99")
    assert reply == "Added #1; #99 does not exist."
    assert [a["number"] for a in runner.actions] == [1]
    results = [m for m in model.seen[-1] if isinstance(m, ToolMessage)]
    assert results[0].content.startswith("Created #1 Buy milk")
    assert results[1].content == "Error: Task #99 not found."
    assert results[2].content.startswith("Error: invalid title")
    assert "Now: 2026-11-24T10:00:00+01:00" in str(model.seen[0][0].content)


def test_a_failing_model_falls_back_to_the_offline_model(session: Session) -> None:
    user = _user(session, "alice")
    graph = build_graph(
        ScriptedModel(script=[], fail=True),
        OfflineChatModel(),
        fallback_note="The LLM did not answer.",
    )
    chat = Conversation(graph, session, user)
    reply, runner = chat.say("add water plants")
    assert reply.startswith("(The LLM did not answer. Reason: TimeoutError.)")
    assert runner.actions == [{"action": "created", "number": 1, "title": "Water plants"}]


def test_without_a_fallback_a_failing_model_raises(session: Session) -> None:
    user = _user(session, "alice")
    chat = Conversation(build_graph(ScriptedModel(script=[], fail=True)), session, user)
    with pytest.raises(TimeoutError):
        chat.say("add water plants")


@pytest.mark.parametrize(
    "text",
    [
        "hello",
        "tell me a joke",
        "set an alarm for 7am",
        "thanks!",
        "what time is it?",
        "would you cancel it please",
        "asdfgh",
    ],
)
def test_small_talk_and_out_of_scope_touch_no_task(session: Session, text: str) -> None:
    user = _user(session, "alice")
    tasks.create_task(session, user, TaskCreate(title="Keep me"), zone=ZONE)
    chat = Conversation(build_graph(OfflineChatModel()), session, user)
    reply, runner = chat.say(text)
    assert reply and runner.actions == [] and chat.pending is None
    assert _titles(session, user) == [(1, "Keep me", "not_started")]


def test_all_matching_tasks_are_changed_only_after_yes(session: Session) -> None:
    user = _user(session, "alice")
    for title in ("Old one", "Old two", "Keep"):
        tasks.create_task(session, user, TaskCreate(title=title), zone=ZONE)
    for number in (1, 2):
        tasks.complete_task(session, user, number)
    chat = Conversation(build_graph(OfflineChatModel()), session, user)

    reply, runner = chat.say("delete all completed tasks")
    assert runner.actions == []
    assert chat.pending is not None and chat.pending["args"]["numbers"] == [1, 2]
    assert "#1 Old one" in reply and "#2 Old two" in reply and "Keep" not in reply
    # A task completed after the question is not swept up by the "yes".
    tasks.complete_task(session, user, 3)
    _, runner = chat.say("yes")
    assert sorted(a["number"] for a in runner.actions) == [1, 2]
    assert tasks.get_task(session, user, 3).archived_at is None

    reply, runner = chat.say("delete all the frogs")
    assert runner.actions == [] and chat.pending is None and "No tasks match" in reply


def test_shifting_a_due_date_by_an_amount(session: Session) -> None:
    user = _user(session, "alice")
    tasks.create_task(session, user, TaskCreate(title="Haircut", due="2026-11-27 10:00"), zone=ZONE)
    tasks.create_task(session, user, TaskCreate(title="Someday"), zone=ZONE)
    chat = Conversation(build_graph(OfflineChatModel()), session, user)
    _, runner = chat.say("delay the haircut by a week")
    assert runner.actions == [{"action": "updated", "number": 1, "title": "Haircut"}]
    due = tasks.get_task(session, user, 1).due_at
    assert due is not None and due.astimezone(ZONE).strftime("%Y-%m-%d %H:%M") == "2026-12-04 10:00"
    _, runner = chat.say("move it 2 days earlier")
    due = tasks.get_task(session, user, 1).due_at
    assert due is not None and due.astimezone(ZONE).strftime("%Y-%m-%d") == "2026-12-02"
    reply, runner = chat.say("push someday back a week")
    assert runner.actions == [] and "no due date" in reply


def test_an_llm_delete_waits_for_yes_too(session: Session) -> None:
    user = _user(session, "alice")
    tasks.create_task(session, user, TaskCreate(title="Old plan"), zone=ZONE)
    model = ScriptedModel(
        script=[
            AIMessage(
                content="",
                tool_calls=[{"name": "delete_task", "args": {"ref": "old plan"}, "id": "d1"}],
            ),
            AIMessage(content="Shall I delete #1 Old plan? Say yes."),
            AIMessage(content="Deleted #1 Old plan."),
        ],
        seen=[],
    )
    chat = Conversation(build_graph(model), session, user)
    reply, runner = chat.say("get rid of the old plan")
    assert reply == "Shall I delete #1 Old plan? Say yes."
    assert runner.actions == [] and tasks.get_task(session, user, 1).archived_at is None
    tool_result = model.seen[-1][-1]
    assert isinstance(tool_result, ToolMessage) and "Needs confirmation" in tool_result.content

    reply, runner = chat.say("yes")
    # The confirmed call runs straight from the pending action; the model only words the result.
    assert len(model.seen) == 3 and reply == "Deleted #1 Old plan."
    assert runner.actions == [{"action": "deleted", "number": 1, "title": "Old plan"}]
    assert tasks.get_task(session, user, 1).archived_at is not None


def test_done_tasks_are_found_when_no_open_one_matches(session: Session) -> None:
    user = _user(session, "alice")
    tasks.create_task(session, user, TaskCreate(title="Buy groceries"), zone=ZONE)
    tasks.complete_task(session, user, 1)
    chat = Conversation(build_graph(OfflineChatModel()), session, user)
    reply, _ = chat.say("delete the grocery task")
    assert chat.pending is not None and "#1 Buy groceries" in reply


def test_offline_model_adds_a_subtask_and_asks_before_completing_a_parent(
    session: Session,
) -> None:
    """Issue #14: "subtask of #1" makes a subtask; completing its parent asks, and yes
    completes the open subtasks too."""
    user = _user(session, "alice")
    tasks.create_task(session, user, TaskCreate(title="Pack for the trip"), zone=ZONE)
    chat = Conversation(build_graph(OfflineChatModel()), session, user)

    reply, runner = chat.say("add buy tape as a subtask of #1")
    assert runner.actions == [{"action": "created", "number": 2, "title": "Buy tape"}]
    assert "subtask of #1" in reply
    assert tasks.public(tasks.get_task(session, user, 1)).subtasks.total == 1

    reply, runner = chat.say("mark #1 done")
    assert runner.actions == [] and "open subtask" in reply and "#2" in reply
    assert tasks.get_task(session, user, 1).status == "not_started"
    reply, runner = chat.say("yes")
    assert [a["number"] for a in runner.actions] == [1]
    assert [tasks.get_task(session, user, n).status for n in (1, 2)] == ["completed"] * 2

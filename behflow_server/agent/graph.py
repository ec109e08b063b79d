"""The agent graph: entry -> intent (model call) -> tools -> ... -> respond.

Built by `build_graph(model, fallback)`. The tools' runner (database session, user, clock) is
passed per call in `config["configurable"]["runner"]`, so one compiled graph serves every user.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph

from behflow_server.agent import offline, policy
from behflow_server.agent.classifier import classify
from behflow_server.agent.models import summarize_tool_results
from behflow_server.agent.prompts import system_prompt
from behflow_server.agent.state import AgentState
from behflow_server.agent.tools import ToolRunner, describe, tool_specs
from behflow_server.errors import NotFound
from behflow_server.tasks import service

log = logging.getLogger("behflow.agent")
MAX_ROUNDS = 4
# "yes", "yes please", "ok, delete it" confirm; "yes but not #3" or "ok wait" does not.
_YES = re.compile(
    r"^\s*(yes|y|yeah|yep|yup|sure|ok|okay|confirm(ed)?|do it|go ahead|please do|proceed)\b"
    r"(?!.*\b(no|not|don'?t|cancel|wait|stop|but|except)\b)[^?]*$",
    re.IGNORECASE,
)
_NO = re.compile(r"^\s*(no|n|nope|cancel|stop|don'?t|never ?mind|abort)\b", re.IGNORECASE)


NO_MATCH = "Question for the user: I found no task matching"
# How likely the intent model must find an add for a failed change to be offered as a new task.
OFFER_ADD = 0.03


def _offer_new_task(runner: ToolRunner, message: str) -> str | None:
    """ "take the bins out" read as a delete, with no task about bins: offer a new task."""
    if classify(message).probability("add_task") < OFFER_ADD:
        return None
    args = offline.add_instead(message, runner.zone, runner.now)
    if args is None:
        return None
    return runner.run("add_task", args, propose=True)


def runner_of(config: RunnableConfig) -> ToolRunner:
    runner: ToolRunner = config["configurable"]["runner"]
    return runner


def _last_human(state: AgentState) -> str:
    for message in reversed(state.get("messages", [])):
        if isinstance(message, HumanMessage):
            return str(message.content)
    return ""


def build_graph(
    model: BaseChatModel,
    fallback: BaseChatModel | None = None,
    *,
    checkpointer: Any = None,
    fallback_note: str = "The language model did not answer, so the offline model did.",
) -> Any:
    """Compile the agent graph for `model`; `fallback` answers when `model` fails."""
    bound = model.bind_tools(tool_specs())
    bound_fallback = fallback.bind_tools(tool_specs()) if fallback is not None else None

    def entry(state: AgentState, config: RunnableConfig) -> dict[str, Any]:
        runner = runner_of(config)
        recent = []
        for number in runner.recent[-5:]:
            try:
                recent.append(
                    describe(service.get_task(runner.session, runner.user, number), runner.zone)
                )
            except NotFound:
                continue
        update: dict[str, Any] = {
            "system": system_prompt(runner.now, runner.zone, recent),
            "recent": list(runner.recent),
            "notes": [],
            "rounds": 0,
            "confirmed": False,
            "degraded": False,
            "route": "intent",
        }
        pending = state.get("pending")
        if pending:
            text = _last_human(state)
            if _YES.match(text):
                call = {"name": pending["tool"], "args": pending["args"], "id": "call_confirmed"}
                update.update(
                    messages=[AIMessage(content="", tool_calls=[call])],
                    confirmed=True,
                    pending=None,
                    route="tools",
                )
            elif _NO.match(text):
                update.update(
                    messages=[
                        AIMessage(content=f"OK, cancelled: I will not {pending['summary']}.")
                    ],
                    pending=None,
                    route="respond",
                )
            else:
                update.update(notes=[f"(Cancelled: {pending['summary']}.)"], pending=None)
        return update

    def intent(state: AgentState, config: RunnableConfig) -> dict[str, Any]:
        prompt = [SystemMessage(content=state.get("system", "")), *state["messages"]]
        notes = list(state.get("notes", []))
        degraded = state.get("degraded", False)
        if not degraded:
            try:
                message = bound.invoke(prompt, config)
            except Exception as exc:
                if bound_fallback is None:
                    raise
                log.warning("LLM call failed, using the offline model: %s", exc)
                notes.append(f"({fallback_note} Reason: {type(exc).__name__}.)")
                degraded = True
        if degraded:
            assert bound_fallback is not None
            message = bound_fallback.invoke(prompt, config)
        return {
            "messages": [message],
            "notes": notes,
            "degraded": degraded,
            "rounds": state.get("rounds", 0) + 1,
        }

    def tools(state: AgentState, config: RunnableConfig) -> dict[str, Any]:
        runner = runner_of(config)
        last = state["messages"][-1]
        assert isinstance(last, AIMessage)
        results = []
        confirmed = state.get("confirmed", False)
        message = _last_human(state)
        for call in last.tool_calls:
            args = call["args"] or {}
            verdict = policy.review(call["name"], args, message) if not confirmed else None
            if verdict is not None and verdict.decision == "refuse":
                content = (
                    "Not done: the user asked a question, so nothing was changed. "
                    "Answer it (list_tasks can look the task up) or ask what they want."
                )
            else:
                propose = verdict is not None and verdict.decision == "propose"
                content = runner.run(call["name"], args, confirmed=confirmed, propose=propose)
                if content.startswith(NO_MATCH) and verdict is not None:
                    content = _offer_new_task(runner, message) or content
            results.append(ToolMessage(content=content, tool_call_id=call["id"] or call["name"]))
        return {
            "messages": results,
            "confirmed": False,
            "pending": runner.pending,
            "recent": list(runner.recent),
        }

    def respond(state: AgentState) -> dict[str, Any]:
        messages = state["messages"]
        last = messages[-1]
        if isinstance(last, AIMessage) and str(last.content).strip() and not last.tool_calls:
            text = str(last.content).strip()
        else:
            text = summarize_tool_results(messages) or "Done."
        notes = state.get("notes", [])
        return {"reply": "\n".join([*notes, text]) if notes else text}

    def after_entry(state: AgentState) -> str:
        return state.get("route", "intent")

    def after_intent(state: AgentState) -> str:
        last = state["messages"][-1]
        if isinstance(last, AIMessage) and last.tool_calls and state.get("rounds", 0) < MAX_ROUNDS:
            return "tools"
        return "respond"

    graph = StateGraph(AgentState)
    graph.add_node("entry", entry)
    graph.add_node("intent", intent)
    graph.add_node("tools", tools)
    graph.add_node("respond", respond)
    graph.add_edge(START, "entry")
    graph.add_conditional_edges("entry", after_entry, ["intent", "tools", "respond"])
    graph.add_conditional_edges("intent", after_intent, ["tools", "respond"])
    graph.add_edge("tools", "intent")
    graph.add_edge("respond", END)
    return graph.compile(checkpointer=checkpointer)

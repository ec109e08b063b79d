"""What the graph carries through one message."""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages


class AgentState(TypedDict, total=False):
    # The conversation: earlier turns from the store, then this turn's messages.
    messages: Annotated[list[AnyMessage], add_messages]
    # The user's context, set by the entry node: system prompt with now, zone, recent tasks.
    system: str
    # Task numbers talked about, most recent last ("it" is the last one).
    recent: list[int]
    # A destructive or multi-task action waiting for "yes" ({tool, args, summary}).
    pending: dict[str, Any] | None
    confirmed: bool
    # Notes for the user (e.g. the LLM failed and the offline model answered).
    notes: list[str]
    degraded: bool
    rounds: int
    reply: str
    # Where the graph goes after entry: "intent" or "respond".
    route: str

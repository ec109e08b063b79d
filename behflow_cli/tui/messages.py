"""Messages the TUI's background work posts to the screen (worker threads post, the UI reacts)."""

from __future__ import annotations

from typing import Any

from textual.message import Message


class TasksLoaded(Message):
    def __init__(self, tasks: list[dict[str, Any]], total: int) -> None:
        super().__init__()
        self.tasks = tasks
        self.total = total


class LiveEvent(Message):
    """A frame from the server's event stream (task.created, ready, reset...)."""

    def __init__(self, type: str, data: dict[str, Any]) -> None:
        super().__init__()
        self.type = type
        self.data = data


class LiveState(Message):
    """The event stream connected (online) or dropped (offline, with a reason)."""

    def __init__(self, online: bool, detail: str = "") -> None:
        super().__init__()
        self.online = online
        self.detail = detail

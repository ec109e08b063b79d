"""Messages the TUI's workers post to the screen (worker threads post, the UI reacts)."""

from __future__ import annotations

from typing import Any

from textual.message import Message

Task = dict[str, Any]


class TasksLoaded(Message):
    def __init__(self, tasks: list[Task], total: int, generation: int) -> None:
        super().__init__()
        self.tasks = tasks
        self.total = total
        self.generation = generation  # which request: an older answer arriving late is dropped


class TaskChanged(Message):
    """A change the user asked for has landed on the server."""

    def __init__(self, task: Task, verb: str) -> None:
        super().__init__()
        self.task = task
        self.verb = verb


class Undone(Message):
    def __init__(self, label: str, done: bool, number: int | None) -> None:
        super().__init__()
        self.label = label
        self.done = done  # False: the change it was to undo had failed, nothing was undone
        self.number = number


class ChatToken(Message):
    """A piece of the agent's reply, as it streams in."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class ChatReplied(Message):
    """The agent's whole reply: a ChatReply ({session_id, reply, actions, pending})."""

    def __init__(self, reply: dict[str, Any]) -> None:
        super().__init__()
        self.reply = reply


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


class NotesLoaded(Message):
    """The notes of task `number` (the selection may have moved on meanwhile)."""

    def __init__(self, number: int, notes: list[dict[str, Any]]) -> None:
        super().__init__()
        self.number = number
        self.notes = notes


class ContextLoaded(Message):
    """The active context's name ("" for none), fetched with each load of the list."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class SavedFiltersLoaded(Message):
    def __init__(self, filters: list[dict[str, Any]]) -> None:
        super().__init__()
        self.filters = filters

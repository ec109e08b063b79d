"""A small card for a task the agent changed, shown under its reply."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static


def describe(action: dict[str, Any]) -> tuple[int | None, str]:
    """(task number, one line) for an action as the chat API reports it."""
    task = action.get("task") if isinstance(action.get("task"), dict) else {}
    number = action.get("number", task.get("number"))
    verb = str(action.get("type") or action.get("action") or "changed")
    title = str(task.get("title") or action.get("title") or "")
    return (int(number) if isinstance(number, int) else None), f"{verb} {title}".strip()


class TaskCard(Static):
    def __init__(self, action: dict[str, Any]) -> None:
        number, line = describe(action)
        self.number = number
        text = Text()
        if number is not None:
            text.append(f"#{number} ", style="bold")
        text.append(line)
        super().__init__(text, classes="task-card")

"""How the TUI words a task's dates, through the CLI's one implementation (behflow_cli.dates):
the relative due label, "moved from 20 Nov" and recurrence in words. Rendering only."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from behflow_cli import dates

Task = dict[str, Any]
# The shared label's styles, as kinds the table colours from its theme.
_KINDS = {"bold red": "overdue", "bold yellow": "now", "yellow": "soon"}
Zone = tzinfo | str | None


def due_label(task: Task, now: datetime, zone: Zone = None) -> tuple[str, str]:
    """("tomorrow", kind) for an open task; the date for a completed or deleted one."""
    if not task.get("due_at"):
        return "", ""
    if task["status"] == "completed" or task.get("archived_at"):
        return dates.short_day(task["due_at"], zone), "past"
    label = dates.relative_due(task["due_at"], now=now, zone=zone)
    return label, _KINDS.get(dates.due_style(label), "")


def moved_from(task: Task, zone: Zone = None) -> str:
    """ "moved from 20 Nov" when automation moved the due date the user set, else ""."""
    return dates.moved_from(task, zone)


def recurrence_words(task: Task) -> str:
    """ "every Monday", "every 3 days after done" (the server's words)."""
    return dates.repeats(task)

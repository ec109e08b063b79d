"""How the TUI words a task's dates: the relative due label (the one shared rule, from the
CLI's code), "moved from 20 Nov" and recurrence in words. Rendering only, no requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from behflow_cli.output import parse_time, relative_due

Task = dict[str, Any]
# The shared function's styles, as kinds the table colours from its theme.
_KINDS = {"bold red": "overdue", "bold yellow": "now", "yellow": "soon"}


def due_label(task: Task, now: datetime) -> tuple[str, str]:
    """("tomorrow", kind) for an open task; the date for a completed or deleted one."""
    if not task.get("due_at"):
        return "", ""
    if task["status"] == "completed" or task.get("archived_at"):
        due = parse_time(task["due_at"])
        return (due.astimezone().strftime("%Y-%m-%d") if due else ""), "past"
    text, style = relative_due(task["due_at"], now=now)
    return text, _KINDS.get(style, "")


def short_day(value: str | None, now: datetime | None = None) -> str:
    """ "20 Nov" in the local zone; "20 Nov 2025" when not this year."""
    moment = parse_time(value)
    if moment is None:
        return ""
    local = moment.astimezone()
    year = (now or datetime.now(local.tzinfo)).astimezone().year
    return f"{local.day} {local:%b}" + ("" if local.year == year else f" {local.year}")


def moved_from(task: Task, now: datetime | None = None) -> str:
    """ "moved from 20 Nov" when automation moved the due date the user set, else ""."""
    original = task.get("original_due_at")
    return f"moved from {short_day(original, now)}" if original else ""


def recurrence_words(rule: str | None) -> str:
    return rule or ""  # TRANSITIONAL: replaced by behflow_cli.dates.recurrence_words on merge

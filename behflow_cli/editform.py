"""`task edit`: a task as a readable text form for $EDITOR, and that form read back.

    title: Buy milk
    due: Fri 4 Dec 2026 17:00
    tags: home, errands
    ---
    The description, as many lines as it needs.

Only the fields whose text changed are sent; dates and repetitions are written in words and
read back by the server's grammar (so "friday 5pm" works as well as what was shown).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from behflow_cli import dates

SEPARATOR = "---"
FIELDS = ("title", "status", "priority", "due", "ends", "remind", "repeat", "tags", "project")
STATUSES = ("not_started", "in_progress", "blocked", "completed")
PRIORITIES = ("none", "low", "medium", "high", "urgent")
HEADER = """\
# Task #{number}: change what you like, then save and close the editor to apply.
# Lines starting with '#' are ignored; an empty file, or no change, leaves the task alone.
# status: {statuses}. priority: {priorities}.
# due, ends, remind: a date or phrase ("friday 5pm", "30 minutes before"); empty for none.
# repeat: "every monday", "every 2 weeks", "weekday"; empty for none. tags: comma-separated.
"""


class FormError(ValueError):
    """A line of the form that cannot be read; `line` counts from 1 in the edited file."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass
class Form:
    """The form's values as text, field by field, and the description."""

    values: dict[str, str] = field(default_factory=dict)
    description: str = ""


def _when(value: str | None) -> str:
    return _day_and_time(value) if value and dates.parse_time(value) else ""


def _day_and_time(value: str) -> str:
    moment = dates.parse_time(value)
    assert moment is not None
    local = moment.astimezone()
    text = f"{local:%a} {local.day} {local:%b %Y}"
    return text if dates.is_all_day(moment) else f"{text} {local:%H:%M}"


def from_task(task: dict[str, Any]) -> Form:
    remind = task.get("remind_at")
    return Form(
        values={
            "title": task["title"],
            "status": task["status"],
            "priority": task["priority"],
            "due": _when(task.get("due_at")),
            "ends": _when(task.get("ends_at")),
            "remind": _when(remind),
            "repeat": dates.repeats(task),
            "tags": ", ".join(task.get("tags") or []),
            "project": task.get("project") or "",
        },
        description=(task.get("description") or "").rstrip(),
    )


def render(task: dict[str, Any], form: Form | None = None, error: str | None = None) -> str:
    form = form or from_task(task)
    header = HEADER.format(
        number=task["number"], statuses=", ".join(STATUSES), priorities=", ".join(PRIORITIES)
    )
    if error:
        header = f"# ERROR: {error}\n# Fix it and save again, or empty the file to give up.\n" + (
            header
        )
    lines = [f"{name}: {form.values.get(name, '')}".rstrip() for name in FIELDS]
    return f"{header}{chr(10).join(lines)}\n{SEPARATOR}\n{form.description}\n"


def parse(text: str) -> Form | None:
    """The form read back; None when the file was emptied (nothing but comments left)."""
    head, sep, description = text.partition(f"\n{SEPARATOR}\n")
    if not sep and text.rstrip().endswith(f"\n{SEPARATOR}"):
        head, description = text.rstrip()[: -len(SEPARATOR) - 1], ""
    values: dict[str, str] = {}
    for number, raw in enumerate(head.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, colon, value = line.partition(":")
        name = name.strip().lower()
        if not colon:
            raise FormError(number, f"expected 'field: value', got {line!r}")
        if name not in FIELDS:
            raise FormError(number, f"unknown field {name!r}; the fields are {', '.join(FIELDS)}")
        if name in values:
            raise FormError(number, f"{name!r} is given twice")
        value = value.strip()
        if name == "status" and value not in STATUSES:
            raise FormError(number, f"status must be one of {', '.join(STATUSES)}")
        if name == "priority" and value not in PRIORITIES:
            raise FormError(number, f"priority must be one of {', '.join(PRIORITIES)}")
        if name == "title" and not value:
            raise FormError(number, "the title cannot be empty")
        values[name] = value
    description = description.strip("\n").rstrip()
    if not values and not description:
        return None
    if "title" not in values:
        raise FormError(1, "the title line is missing ('title: ...')")
    return Form(values=values, description=description)


def tag_list(text: str) -> list[str]:
    return [tag.strip().lstrip("#+") for tag in text.replace(",", " ").split() if tag.strip()]


def changes(before: Form, after: Form) -> dict[str, str]:
    """The fields whose text changed (a field line removed counts as emptied), and
    "description" when that changed."""
    changed = {
        name: after.values.get(name, "")
        for name in FIELDS
        if after.values.get(name, "") != before.values.get(name, "")
    }
    if "tags" in changed and tag_list(changed["tags"]) == tag_list(before.values["tags"]):
        del changed["tags"]
    if after.description != before.description:
        changed["description"] = after.description
    return changed

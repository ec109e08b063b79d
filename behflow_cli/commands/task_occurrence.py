"""`behflow task skip N` and `behflow task move N WHEN`: one occurrence of a recurring task is
skipped or moved; the series (its schedule and its end) stays as it was."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from behflow_cli import dates, output


def occurrence(
    client: Callable[[], Any],
    number: int,
    when: str | None,
    fmt: str | None,
    json_fields: str | None,
    fields: tuple[str, ...],
) -> None:
    """Skip (when is None) or move the occurrence; says the new date and the series."""
    out = output.Output(fmt, json_fields, fields)
    with client() as api:
        task = dict(
            api.skip_occurrence(number) if when is None else api.move_occurrence(number, when)
        )
    if not out.human:
        out.record(task, fields)
        return
    due = task.get("due_at")
    when_text = output.day_and_time(due, with_time=not dates.is_all_day(due))
    verb = "Skipped to the next date:" if when is None else "Moved this occurrence only:"
    output.write(
        f"{verb} #{task['number']} {task['title']} is due {when_text} ({dates.relative_due(due)});"
        f" it still repeats {dates.repeats(task)}"
    )

"""`behflow stats`: completed tasks per day as a small bar chart, and the figures behind it."""

from __future__ import annotations

from datetime import date
from typing import Any

import typer

from behflow_cli import output
from behflow_cli.commands.common import FormatOption, JsonOption
from behflow_cli.commands.common import json_fields as declares

app = typer.Typer(add_completion=False)

DAY_FIELDS = ("day", "created", "completed", "overdue", "mean_hours_to_complete")


@app.callback()
def _group() -> None:
    """Analytics. (A callback keeps this a group, so the root CLI can pick `stats` from it.)"""


BAR_WIDTH = 30


def chart_lines(days: list[dict[str, Any]], width: int = BAR_WIDTH) -> list[str]:
    """One line per day: the date, a bar as long as the day's completions, the count."""
    peak = max((d["completed"] for d in days), default=0) or 1
    lines = []
    for day in days:
        when = date.fromisoformat(day["day"])
        bar = "█" * round(day["completed"] / peak * width) if day["completed"] else "·"
        lines.append(f"{when:%a %d %b}  {bar} {day['completed']}")
    return lines


@app.command()
@declares(DAY_FIELDS)
def stats(
    days: int = typer.Option(14, "--days", "-n", min=1, max=366, help="How many days back."),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Completed tasks per day over the last weeks, your streak and what is open."""
    from behflow_cli.session import client

    out = output.Output(fmt, json_fields, DAY_FIELDS)
    with client(timezone=True) as api:
        figures = api.stats(days=days)
    if not out.human:
        out.records(figures["days"], DAY_FIELDS)
        return
    console = output.console()
    console.print(f"[bold]Completed per day[/] (last {days} days, {figures['timezone']})")
    for line in chart_lines(figures["days"]):
        console.print(line)
    done = sum(d["completed"] for d in figures["days"])
    made = sum(d["created"] for d in figures["days"])
    hours = [d["mean_hours_to_complete"] for d in figures["days"] if d["mean_hours_to_complete"]]
    mean = f"; {sum(hours) / len(hours):.1f} h to complete on average" if hours else ""
    console.print(
        f"{done} completed, {made} created{mean}. Streak: {figures['streak']} day(s). "
        f"Open now: {figures['open']} ({figures['overdue']} overdue)."
    )

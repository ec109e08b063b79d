"""`behflow task ...`: add, list, show, update, start, block, done, reopen, delete."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Any

import typer

from behflow_cli import output
from behflow_cli.commands.common import FormatOption, JsonOption
from behflow_cli.errors import FAILURE, CliError, usage

app = typer.Typer(help="Create, list and change tasks.", no_args_is_help=True, add_completion=False)


class Priority(StrEnum):
    none = "none"
    low = "low"
    medium = "medium"
    high = "high"
    urgent = "urgent"


class Status(StrEnum):
    not_started = "not_started"
    in_progress = "in_progress"
    blocked = "blocked"
    completed = "completed"


BULK_COLUMNS = ("changed",)


def _client(*, timezone: bool = False) -> Any:
    from behflow_cli.session import client

    return client(timezone=timezone)


def _print_task(task: dict[str, Any], out: output.Output) -> None:
    if out.human:
        output.task_details(task)
    else:
        out.record(task, output.TASK_FIELDS)


def _created(tasks: list[dict[str, Any]], out: output.Output) -> None:
    if out.human:
        for task in tasks:
            due, _ = output.relative_due(task.get("due_at"))
            output.write(
                f"Created #{task['number']} {task['title']}" + (f" (due {due})" if due else "")
            )
    elif out.format == "plain" and not out.selected:
        for task in tasks:
            output.write(str(task["number"]))
    elif len(tasks) == 1 and out.format in ("json", "plain"):
        out.record(tasks[0], output.TASK_FIELDS)
    else:
        out.records(tasks, output.TASK_COLUMNS)


def _stdin_lines() -> list[str]:
    if sys.stdin.isatty():
        raise usage("`task add -` reads one task per line from standard input; pipe them in")
    return [line.strip() for line in sys.stdin if line.strip()]


@app.command()
def add(
    title: list[str] = typer.Argument(
        ..., metavar="TITLE...", help="The task text; `-` reads one task per line from stdin."
    ),
    due: str | None = typer.Option(None, "--due", "-d", help="When it is due: a date or phrase."),
    priority: Priority | None = typer.Option(None, "--priority", "-p", help="Priority."),
    tag: list[str] = typer.Option([], "--tag", "-t", help="A tag (repeat for more)."),
    project: str | None = typer.Option(None, "--project", "-P", help="Project name."),
    description: str | None = typer.Option(None, "--description", "-D", help="Longer notes."),
    every: str | None = typer.Option(
        None, "--every", help='Repeat: "monday", "other friday at 5pm", "weekday", "month".'
    ),
    remind: str | None = typer.Option(
        None, "--remind", help='Reminder: "30 minutes before" (the due time) or a date phrase.'
    ),
    explain: bool = typer.Option(
        False, "--explain", help="Show how the text is read, without creating anything."
    ),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Add a task. The text may carry its own details: a date, #tags, project:NAME, !priority.

    Tags: #tag, @label or +tag. Project: project:Home (pro:Home). Priority: !high, p1-p4 or
    priority:H|M|L. Dates: any phrase ("friday 5pm") or due:tomorrow. Options win over what
    the text says; --explain shows which words were read as what. Plain output is the new
    task's number.

    Examples:

      behflow task add Buy milk --due tomorrow

      behflow task add 'Call mom tomorrow 5pm #family !high project:Home'

      behflow task add "Pay rent on the 1st p2 @home" --explain

      printf 'Water plants\\nPay rent friday\\n' | behflow task add -
    """
    out = output.Output(fmt, json_fields, output.TASK_FIELDS)
    texts = _stdin_lines() if title == ["-"] else [" ".join(title)]
    overrides = {
        "due": due,
        "priority": priority.value if priority else None,
        "tags": tag or None,
        "project": project,
        "description": description,
        "remind": remind,
    }
    with _client(timezone=True) as api:
        if every is not None:
            overrides["recurrence"], first_due = _recurrence(api, every)
            overrides["due"] = overrides["due"] or first_due
        if explain:
            _explain([_preview(api, text, overrides) for text in texts], out)
            return
        if len(texts) == 1:
            _created([dict(api.quick_add(texts[0], **overrides))], out)
            return
        if not texts:
            raise usage("standard input had no task lines")
        _add_many(api, texts, overrides, out)


def _preview(api: Any, text: str, overrides: dict[str, Any]) -> dict[str, Any]:
    """The dry-run result: the parsed fields and the spans of text each came from."""
    body = {key: value for key, value in overrides.items() if value is not None}
    result: dict[str, Any] = api.request(
        "POST", "/api/v1/tasks/quick", json={"text": text, **body, "dry_run": True}
    )
    return {"text": text, "parsed": result["parsed"], "spans": result.get("spans", [])}


def _explain(previews: list[dict[str, Any]], out: output.Output) -> None:
    """--explain: the text, what each read part became, then the resulting fields."""
    rows = [{**preview["parsed"], "spans": preview["spans"]} for preview in previews]
    fields = list(rows[0])
    if out.format in ("json", "ndjson") or len(rows) > 1:
        fmt = out.format if out.format in ("json", "ndjson") else "ndjson"
        output.Output(fmt, None, fields).records(rows, fields)
    elif out.human:
        preview = previews[0]
        output.write(preview["text"])
        for span in preview["spans"]:
            output.write(f"  {_quoted(span['text'])} -> {_span_meaning(span, preview['parsed'])}")
        parsed = preview["parsed"]
        if parsed.get("unsure"):
            output.write(f"  {_quoted(parsed['unsure'])} -> left out: the time was not clear")
        output.key_value_table([(key, output._text(value)) for key, value in parsed.items()])
    else:
        fields.remove("spans")
        output.Output(out.format, None, fields).record(rows[0], fields)


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


def _span_meaning(span: dict[str, Any], parsed: dict[str, Any]) -> str:
    """What a read part became: "due Tue 1 Dec 2026", "tag home", "dropped (lead-in)"."""
    field, value = span["field"], span.get("value")
    if field == "due" and value:
        start, _, end = str(value).partition("/")
        with_time = bool(parsed.get("due_has_time"))
        text = output.day_and_time(start, with_time=with_time)
        if end:
            until = output.day_and_time(end)
            same_day = until[: -len(" 00:00")] == text[: -len(" 00:00")]
            text += "-" + until[-5:] if same_day and with_time else " until " + until
        return f"due {text}"
    if field == "tags":
        return f"tag {value}"
    if field in ("project", "priority", "recurrence"):
        return f"{field} {value}"
    return f"dropped ({field})"


def _recurrence(api: Any, phrase: str) -> tuple[str, str | None]:
    """The RRULE for a repetition phrase and its first occurrence (the due time, unless --due
    says otherwise: "every friday at 5pm" keeps its time there), read by the server's
    quick-add grammar."""
    text = phrase.strip()
    words = text if text.lower().startswith(("every", "on ")) else f"every {text}"
    parsed = api.quick_preview(f"x {words}")
    if not parsed.get("recurrence"):
        raise usage(f'cannot read --every {phrase!r}; try "monday", "weekday" or "2 weeks"')
    return str(parsed["recurrence"]), parsed.get("due_at")


def _add_many(api: Any, texts: list[str], overrides: dict[str, Any], out: output.Output) -> None:
    from behflow_cli.client import ApiError

    failures = 0
    created: list[dict[str, Any]] = []  # --json prints one array at the end
    for line_number, text in enumerate(texts, start=1):
        try:
            task = dict(api.quick_add(text, **overrides))
        except ApiError as exc:
            if exc.status in (0, 401):  # unreachable or logged out: no line will work
                raise
            failures += 1
            output.info(f"error: line {line_number} ({text!r}): {exc.message}")
            continue
        if out.format == "json":
            created.append(task)
            continue
        _created([task], out)
        sys.stdout.flush()
    if out.format == "json":
        out.records(created, output.TASK_COLUMNS)
    if failures:
        raise CliError(f"{failures} of {len(texts)} lines were not added", FAILURE)


@app.command("list")
def list_(
    status: list[str] = typer.Option(
        [],
        "--status",
        "-s",
        help="not_started, in_progress, blocked, completed or open (repeat or comma list).",
    ),
    priority: Priority | None = typer.Option(
        None, "--priority", "-p", help="Only this priority or higher."
    ),
    tag: list[str] = typer.Option([], "--tag", "-t", help="Has this tag (repeat: all of them)."),
    project: str | None = typer.Option(None, "--project", "-P", help="In this project."),
    due: str | None = typer.Option(
        None, "--due", "-d", help="today, tomorrow, week, overdue, none or a date."
    ),
    search: str | None = typer.Option(None, "--search", "-q", help="Text in title or notes."),
    all_: bool = typer.Option(
        False, "--all", "-a", help="Include completed and deleted (archived) tasks."
    ),
    sort: str | None = typer.Option(
        None,
        "--sort",
        help="due, priority, created, updated, number or title; prefix - to reverse.",
    ),
    limit: int = typer.Option(100, "--limit", "-n", min=1, max=1000, help="At most this many."),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """List open tasks, soonest due first.

    Examples:

      behflow task list --due today

      behflow task list --tag work --priority high --sort -priority

      behflow task list --json number,title,due_at | jq -r '.[].title'
    """
    out = output.Output(fmt, json_fields, output.TASK_FIELDS)
    statuses = status or ([] if all_ else ["open"])
    with _client(timezone=due is not None) as api:
        page = api.list_tasks(
            status=statuses,
            priority=priority.value if priority else None,
            tag=tag,
            project=project,
            due=due,
            search=search,
            archived="include" if all_ else None,
            sort=sort,
            limit=limit,
        )
    if out.human:
        output.task_table(page["items"], total=page["total"])
    else:
        out.records(page["items"], output.TASK_COLUMNS)


@app.command()
def show(
    number: int = typer.Argument(..., min=1, help="The task's number."),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Show one task in full.

    Example: behflow task show 12 --json title,due_at
    """
    out = output.Output(fmt, json_fields, output.TASK_FIELDS)
    with _client() as api:
        _print_task(dict(api.get_task(number)), out)


@app.command()
def update(
    number: int = typer.Argument(..., min=1, help="The task's number."),
    title: str | None = typer.Option(None, "--title", help="New title."),
    due: str | None = typer.Option(None, "--due", "-d", help="New due date or phrase."),
    no_due: bool = typer.Option(False, "--no-due", help="Remove the due date (and the end)."),
    ends: str | None = typer.Option(
        None, "--ends", help="When it ends (after the due time): a date or phrase."
    ),
    no_ends: bool = typer.Option(False, "--no-ends", help="Remove the end time."),
    priority: Priority | None = typer.Option(None, "--priority", "-p", help="New priority."),
    status: Status | None = typer.Option(None, "--status", "-s", help="New status."),
    tag: list[str] = typer.Option([], "--tag", "-t", help="Replace the tags (repeat for more)."),
    no_tags: bool = typer.Option(False, "--no-tags", help="Remove all tags."),
    project: str | None = typer.Option(None, "--project", "-P", help="New project."),
    no_project: bool = typer.Option(False, "--no-project", help="Remove the project."),
    description: str | None = typer.Option(None, "--description", "-D", help="New notes."),
    remind: str | None = typer.Option(
        None, "--remind", help='Reminder: "30 minutes before" (the due time) or a date phrase.'
    ),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Change a task's fields; the rest stay as they are.

    Examples:

      behflow task update 12 --due "next friday 9am" --priority high

      behflow task update 12 --tag home --tag errands --no-project

      behflow task update 12 --due "friday 3pm" --ends "friday 4pm"
    """
    if due is not None and no_due:
        raise usage("give either --due or --no-due")
    if ends is not None and no_ends:
        raise usage("give either --ends or --no-ends")
    clear = [
        name
        for name, flag in (
            ("due_at", no_due),
            ("ends_at", no_ends),
            ("tags", no_tags),
            ("project", no_project),
        )
        if flag
    ]
    fields = {
        "title": title,
        "due": due,
        "priority": priority.value if priority else None,
        "status": status.value if status else None,
        "tags": tag or None,
        "project": project,
        "description": description,
        "remind": remind,
    }
    if no_tags:
        fields["tags"] = []
        clear.remove("tags")
    if not clear and ends is None and all(value is None for value in fields.values()):
        raise usage("nothing to change: give at least one field option (see --help)")
    out = output.Output(fmt, json_fields, output.TASK_FIELDS)
    with _client(timezone=due is not None or remind is not None or ends is not None) as api:
        if ends is not None:
            fields["ends_at"] = _read_time(api, ends, "--ends")
        task = dict(api.update_task(number, clear=clear, **fields))
    _changed(task, out, "Updated")


def _read_time(api: Any, phrase: str, option: str) -> str:
    """A date phrase read by the server (in the user's zone), as an ISO time in UTC."""
    from behflow_cli.client import ApiError

    try:
        parsed = _preview(api, "x", {"due": phrase})["parsed"]
    except ApiError as exc:
        if exc.status in (0, 401):
            raise
        raise usage(f"cannot read {option} {phrase!r} as a date or time") from None
    return str(parsed["due_at"])


def _changed(task: dict[str, Any], out: output.Output, verb: str) -> None:
    if out.human:
        output.write(f"{verb} #{task['number']} {task['title']} ({task['status']})")
    elif out.format == "plain" and not out.selected:
        output.write(str(task["number"]))
    else:
        out.record(task, output.TASK_FIELDS)


def _set_status(number: int, status: str, verb: str, out: output.Output) -> None:
    with _client() as api:
        _changed(dict(api.update_task(number, status=status)), out, verb)


@app.command()
def start(
    number: int = typer.Argument(..., min=1, help="The task's number."),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Mark a task as in progress.

    Example: behflow task start 12
    """
    _set_status(
        number, "in_progress", "Started", output.Output(fmt, json_fields, output.TASK_FIELDS)
    )


@app.command()
def block(
    number: int = typer.Argument(..., min=1, help="The task's number."),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Mark a task as blocked.

    Example: behflow task block 12
    """
    _set_status(number, "blocked", "Blocked", output.Output(fmt, json_fields, output.TASK_FIELDS))


def _bulk_report(result: dict[str, Any], out: output.Output, verb: str) -> None:
    if out.human:
        if result["changed"]:
            output.write(f"{verb} " + ", ".join(f"#{n}" for n in result["changed"]))
    elif out.format in ("json", "ndjson"):
        out.record(result, output.BULK_FIELDS)
    else:
        for number in result["changed"]:
            output.write(str(number))
    if result["not_found"]:
        missing = ", ".join(f"#{n}" for n in result["not_found"])
        raise CliError(
            f"not found: {missing}. See `behflow task list --all` for your task numbers.",
            FAILURE,
        )


@app.command()
def done(
    numbers: list[int] = typer.Argument(..., min=1, metavar="N...", help="Task numbers."),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Complete one or more tasks (a recurring task gets its next occurrence).

    Plain output: the completed numbers, one a line.

    Example: behflow task done 3 7 12
    """
    out = output.Output(fmt, json_fields, output.BULK_FIELDS)
    with _client() as api:
        _bulk_report(dict(api.bulk_complete(numbers)), out, "Completed")


@app.command()
def reopen(
    number: int = typer.Argument(..., min=1, help="The task's number."),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Reopen a completed task, or bring back a deleted (archived) one.

    Example: behflow task reopen 12
    """
    out = output.Output(fmt, json_fields, output.TASK_FIELDS)
    with _client() as api:
        task = dict(api.get_task(number))
        if task.get("archived_at"):
            task = dict(api.restore_task(number))
        if task["status"] == "completed":
            task = dict(api.update_task(number, status="not_started"))
    _changed(task, out, "Reopened")


@app.command()
def delete(
    numbers: list[int] = typer.Argument(..., min=1, metavar="N...", help="Task numbers."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask; needed when not interactive."),
    hard: bool = typer.Option(
        False, "--hard", help="Remove for good (otherwise archived: `task reopen` brings it back)."
    ),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Delete tasks (archived unless --hard). Asks first on a terminal.

    Examples:

      behflow task delete 12

      behflow task delete 3 4 5 --yes
    """
    out = output.Output(fmt, json_fields, output.BULK_FIELDS)
    if not yes:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise usage("refusing to delete without --yes when not running interactively")
        listed = ", ".join(f"#{n}" for n in numbers)
        what = "permanently delete" if hard else "delete"
        if not typer.confirm(f"{what.capitalize()} {listed}?", default=False):
            raise CliError("nothing deleted", FAILURE)
    with _client() as api:
        _bulk_report(dict(api.bulk_delete(numbers, hard=hard)), out, "Deleted")

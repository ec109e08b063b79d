"""`behflow task ...`: add, list, tree, show, edit, update, start, block, done, reopen,
restore-due, delete, note, notes, log."""

from __future__ import annotations

import re
import sys
from collections.abc import Collection, Sequence
from enum import StrEnum
from typing import Any

import typer
from typer.core import TyperCommand

from behflow_cli import dates, output
from behflow_cli.commands import task_notes
from behflow_cli.commands.common import FormatOption, JsonOption
from behflow_cli.commands.common import json_fields as declares
from behflow_cli.commands.filtertext import filter_errors
from behflow_cli.commands.history import task_log
from behflow_cli.commands.phrases import read_recurrence, read_time
from behflow_cli.errors import FAILURE, CliError, task_not_found, usage

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


TASK_FIELDS = (
    "number",
    "title",
    "status",
    "priority",
    "due_at",
    "ends_at",
    "tags",
    "project",
    "description",
    "recurrence",
    "recurrence_text",
    "recurrence_index",
    "remind_at",
    "original_due_at",
    "due_moved_by",
    "created_at",
    "updated_at",
    "completed_at",
    "archived_at",
    "id",
    "extra",
    "parent",
    "subtasks",
)
TREE_FIELDS = (*TASK_FIELDS, "depth", "match")
TREE_COLUMNS = ("number", "depth", "status", "priority", "due_at", "title", "parent")
TASK_COLUMNS = ("number", "status", "priority", "due_at", "title", "tags", "project")
BULK_FIELDS = ("changed", "not_found")
# `add --explain`: the fields the text reads as, and the spans of text each came from.
EXPLAIN_FIELDS = (
    "title",
    "description",
    "due_at",
    "due_has_time",
    "ends_at",
    "priority",
    "tags",
    "project",
    "recurrence",
    "recurrence_text",
    "remind_at",
    "unsure",
    "spans",
)
ADD_FIELDS = tuple(dict.fromkeys(TASK_FIELDS + EXPLAIN_FIELDS))
SHOW_FIELDS = (*TASK_FIELDS, "notes")


def _client(*, timezone: bool = False) -> Any:
    from behflow_cli.session import client

    return client(timezone=timezone)


def _print_task(task: dict[str, Any], out: output.Output) -> None:
    if out.human:
        output.task_details(task)
    else:
        out.record(task, TASK_FIELDS)


def _created(tasks: list[dict[str, Any]], out: output.Output) -> None:
    if out.human:
        for task in tasks:
            due, _ = output.relative_due(task.get("due_at"))
            notes = [f"due {due}"] if due else []
            if task.get("recurrence"):
                notes.append(dates.repeats(task))
            notes_text = f" ({', '.join(notes)})" if notes else ""
            output.write(f"Created #{task['number']} {task['title']}{notes_text}")
    elif out.format == "plain" and not out.selected:
        for task in tasks:
            output.write(str(task["number"]))
    elif len(tasks) == 1 and out.format in ("json", "plain"):
        out.record(tasks[0], TASK_FIELDS)
    else:
        out.records(tasks, TASK_COLUMNS)


def _stdin_lines() -> list[str]:
    if sys.stdin.isatty():
        raise usage("`task add -` reads one task per line from standard input; pipe them in")
    return [line.strip() for line in sys.stdin if line.strip()]


@app.command()
@declares(ADD_FIELDS)
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
    parent: int | None = typer.Option(
        None, "--parent", min=1, help="Make it a subtask of this task number."
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

      behflow task add Pack --parent 12
    """
    out = output.Output(fmt, json_fields, ADD_FIELDS if explain else TASK_FIELDS)
    texts = _stdin_lines() if title == ["-"] else [" ".join(title)]
    overrides: dict[str, Any] = {
        "due": due,
        "priority": priority.value if priority else None,
        "tags": tag or None,
        "project": project,
        "description": description,
        "remind": remind,
    }
    if parent is not None and not explain:
        overrides["parent"] = parent
    with _client(timezone=True) as api:
        if every is not None:
            overrides["recurrence"], first_due = read_recurrence(api, every)
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
    return {"text": text, **api.preview(text, **overrides)}


def _explain(previews: list[dict[str, Any]], out: output.Output) -> None:
    """--explain: the text, what each read part became, then the resulting fields (only the
    --json FIELDS asked for, when some were)."""
    rows = [{**preview["parsed"], "spans": preview["spans"]} for preview in previews]
    fields = list(out.selected or rows[0])
    rows = [{name: row.get(name) for name in fields} for row in rows]
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
        output.key_value_table(
            [
                (key, parsed.get("recurrence_text") or "" if key == "recurrence" else _text(value))
                for key, value in parsed.items()
                if key != "recurrence_text"
            ]
        )
    else:
        if "spans" in fields and not out.selected:
            fields.remove("spans")
        output.Output(out.format, None, fields).record(rows[0], fields)


def _text(value: Any) -> str:
    return output._text(value)


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
    if field == "recurrence":
        return f"repeats {parsed.get('recurrence_text') or value}"
    if field in ("project", "priority"):
        return f"{field} {value}"
    return f"dropped ({field})"


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
        out.records(created, TASK_COLUMNS)
    if failures:
        raise CliError(f"{failures} of {len(texts)} lines were not added", FAILURE)


@app.command("list")
@declares(TASK_FIELDS)
def list_(
    words: list[str] | None = typer.Argument(
        None,
        metavar="[FILTER]...",
        help="A filter (docs/filters.md): project:work +urgent due.before:eow status:open ...",
    ),
    saved: str | None = typer.Option(None, "--filter", "-f", help="A saved filter's name."),
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
        False, "--all", "-a", help="Include completed and deleted tasks (shown as deleted)."
    ),
    sort: str | None = typer.Option(
        None,
        "--sort",
        help="due, priority, created, updated, completed, number or title; a leading - "
        "means descending (-priority: highest first, -due: latest first).",
    ),
    limit: int = typer.Option(100, "--limit", "-n", min=1, max=1000, help="At most this many."),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """List open tasks, soonest due first.

    In the table: ○ not started, ◐ in progress, ⊘ blocked, ✓ completed, ✗ deleted; priority
    !!! urgent, !! high, ! medium, · low; ↻ repeats.

    Examples:

      behflow task list --due today

      behflow task list project:work +urgent due.before:eow

      behflow task list --filter today-work

      behflow task list --tag work --priority high --sort -priority

      behflow task list --json number,title,due_at | jq -r '.[].title'
    """
    out = output.Output(fmt, json_fields, TASK_FIELDS)
    q = " ".join(words or []) or None
    # A filter that names a status (or is:completed) picks it: no default "open" then.
    chooses = q is not None and re.search(r"(^|[\s(+-])(status|is)[.:]", q) is not None
    statuses = status or ([] if all_ or chooses else ["open"])
    with _client(timezone=due is not None or q is not None) as api, filter_errors(q):
        page = api.list_tasks(
            q=q,
            saved_filter=saved,
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
    items = [dict(task) for task in page["items"]]
    if out.human:
        filtered = bool(status or priority or tag or project or due or search or q or saved)
        empty = None
        if not items:
            empty = (
                "No tasks match. `behflow task list --all` shows completed and deleted ones too."
                if filtered or all_
                else "No open tasks. Add one: behflow task add 'Buy milk tomorrow'"
            )
        output.task_table(items, total=page["total"], empty=empty)
    elif out.format in ("json", "ndjson"):
        out.records(items, TASK_COLUMNS)
    else:  # plain and tsv are read by people too: a deleted task says so
        out.records([output.shown_status(task) for task in items], TASK_COLUMNS)


@app.command()
@declares(SHOW_FIELDS)
def show(
    number: int = typer.Argument(..., min=1, help="The task's number."),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Show one task in full.

    Example: behflow task show 12 --json title,due_at
    """
    out = output.Output(fmt, json_fields, SHOW_FIELDS)
    with _client() as api:
        task = dict(api.get_task(number))
        notes = api.list_notes(number)
        below: list[dict[str, Any]] = []
        if out.human and (task.get("subtasks") or {}).get("total"):
            subtree = api.task_tree(number)
            below = [dict(item) for item in subtree["items"] if item["number"] != number]
    if not out.human:
        out.record({**task, "notes": notes}, TASK_FIELDS)
        return
    output.task_details(task)
    if below:
        output.write("Subtasks:")
        output.task_table(below)
    if notes:
        task_notes.print_notes(notes)


class TagWords(TyperCommand):
    """Reads `+tag` and `-tag` words (`behflow task update 3 +work -home`) as --add-tag and
    --remove-tag before click sees them: click would take `-home` for the options -h -o -m -e."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        takes_value = {
            name
            for param in self.params
            if not getattr(param, "is_flag", False) and getattr(param, "opts", None)
            for name in param.opts
            if name.startswith("-")
        }
        return super().parse_args(ctx, tag_words(args, takes_value))


_PLUS_TAG = re.compile(r"^\+[^\s+-]\S*$")
# Two characters at least: `-p` stays an option; `-phigh` (an option with its value attached)
# is read as a tag, so give option values apart (`-p high`).
_MINUS_TAG = re.compile(r"^-[^\s-]\S+$")


def tag_words(args: Sequence[str], takes_value: Collection[str] = ()) -> list[str]:
    result: list[str] = []
    after_value_option = False
    for index, arg in enumerate(args):
        if arg == "--":
            result.extend(args[index:])
            break
        if not after_value_option and _PLUS_TAG.match(arg):
            result += ["--add-tag", arg[1:]]
        elif not after_value_option and _MINUS_TAG.match(arg) and arg not in takes_value:
            result += ["--remove-tag", arg[1:]]
        else:
            result.append(arg)
        after_value_option = arg in takes_value and "=" not in arg
    return result


@app.command(cls=TagWords)
@declares(TASK_FIELDS)
def update(
    numbers: list[int] = typer.Argument(
        ..., min=1, metavar="N... [+TAG] [-TAG]", help="Task numbers; +tag adds, -tag removes."
    ),
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
    add_tag: list[str] = typer.Option([], "--add-tag", help="Add a tag (also: +tag)."),
    remove_tag: list[str] = typer.Option([], "--remove-tag", help="Remove a tag (also: -tag)."),
    no_tags: bool = typer.Option(False, "--no-tags", help="Remove all tags."),
    project: str | None = typer.Option(None, "--project", "-P", help="New project."),
    no_project: bool = typer.Option(False, "--no-project", help="Remove the project."),
    description: str | None = typer.Option(None, "--description", "-D", help="New notes."),
    every: str | None = typer.Option(
        None, "--every", help='Repeat: "monday", "2 weeks", "weekday" (see task add).'
    ),
    no_repeat: bool = typer.Option(False, "--no-repeat", help="Stop repeating."),
    remind: str | None = typer.Option(
        None, "--remind", help='Reminder: "30 minutes before" (the due time) or a date phrase.'
    ),
    parent: str | None = typer.Option(
        None, "--parent", help="Make it a subtask of this task number; `none` detaches it."
    ),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Change tasks' fields; the rest stay as they are.

    +tag adds a tag and -tag removes one (a one-letter tag: --add-tag/--remove-tag).

    Examples:

      behflow task update 12 --due "next friday 9am" --priority high

      behflow task update 3 +work -home

      behflow task update 4 5 6 --project Garden

      behflow task update 12 --due "friday 3pm" --ends "friday 4pm"

      behflow task update 14 --parent 12
    """
    for given, off, name in (
        (due, no_due, "due"),
        (ends, no_ends, "ends"),
        (every, no_repeat, "every"),
    ):
        if given is not None and off:
            raise usage(f"give either --{name} or its --no- option, not both")
    if (tag or no_tags) and (add_tag or remove_tag):
        raise usage("--tag/--no-tags replace the tags; +tag/-tag change them: give one kind")
    clear = [
        name
        for name, flag in (
            ("due_at", no_due),
            ("ends_at", no_ends),
            ("project", no_project),
            ("recurrence", no_repeat),
        )
        if flag
    ]
    parent_number = _parent_option(parent)
    if parent_number == 0:
        clear.append("parent")
    fields = {
        "title": title,
        "due": due,
        "priority": priority.value if priority else None,
        "status": status.value if status else None,
        "tags": [] if no_tags else (tag or None),
        "project": project,
        "description": description,
        "remind": remind,
        "parent": parent_number or None,
    }
    changing_tags = bool(add_tag or remove_tag)
    nothing = all(value is None for value in fields.values())
    if nothing and not (clear or changing_tags) and ends is None and every is None:
        raise usage("nothing to change: give at least one field option or +tag/-tag")
    out = output.Output(fmt, json_fields, TASK_FIELDS)
    zone = due is not None or remind is not None or ends is not None or every is not None
    from behflow_cli.client import ApiError

    changed: list[dict[str, Any]] = []
    missing: list[int] = []
    with _client(timezone=zone) as api:
        if ends is not None:
            fields["ends_at"] = read_time(api, ends, "--ends")
        if every is not None:
            fields["recurrence"], _ = read_recurrence(api, every)
        for number in dict.fromkeys(numbers):
            try:
                task_fields = dict(fields)
                if changing_tags:
                    task_fields["tags"] = _retag(api.get_task(number)["tags"], add_tag, remove_tag)
                changed.append(dict(api.update_task(number, clear=list(clear), **task_fields)))
            except ApiError as exc:
                if exc.code != "task_not_found":
                    raise
                missing.append(number)
    _report(changed, out, "Updated")
    if missing:
        raise task_not_found(missing)


def _parent_option(value: str | None) -> int | None:
    """--parent N | none: the number, 0 for none, None when not given."""
    if value is None:
        return None
    if value.strip().lower() in ("none", "-", ""):
        return 0
    text = value.strip().lstrip("#")
    if not text.isdigit() or int(text) < 1:
        raise usage(f"--parent takes a task number or `none`, not {value!r}")
    return int(text)


def _retag(tags: list[str], add: list[str], remove: list[str]) -> list[str]:
    gone = {name.lower().lstrip("#+") for name in remove}
    kept = [tag for tag in tags if tag.lower() not in gone]
    for name in add:
        name = name.lstrip("#+")
        if name and name.lower() not in {tag.lower() for tag in kept}:
            kept.append(name)
    return kept


def _report(tasks: list[dict[str, Any]], out: output.Output, verb: str) -> None:
    """Changed tasks: a line each for people, the numbers (plain) or the records."""
    if out.human:
        for task in tasks:
            output.write(f"{verb} #{task['number']} {task['title']} ({output.status_word(task)})")
    elif out.format == "plain" and not out.selected:
        for task in tasks:
            output.write(str(task["number"]))
    elif len(tasks) == 1 and out.format != "ndjson":
        out.record(tasks[0], TASK_FIELDS)
    else:
        out.records(tasks, TASK_COLUMNS)


@app.command()
def edit(number: int = typer.Argument(..., min=1, help="The task's number.")) -> None:
    """Edit a task in your editor ($VISUAL or $EDITOR), as `git commit` does.

    The task opens as a short text form (title, status, priority, due, tags, ...; the
    description under the --- line). Save and close to apply; an empty file or no change
    leaves the task alone; a line that cannot be read is explained (and, on a terminal,
    the form opens again with your text).

    Example: EDITOR=nano behflow task edit 12
    """
    from behflow_cli.commands.task_edit import edit_task

    with _client(timezone=True) as api:
        edit_task(api, number)


def _set_status(number: int, status: str, verb: str, out: output.Output) -> None:
    with _client() as api:
        _report([dict(api.update_task(number, status=status))], out, verb)


@app.command()
@declares(TASK_FIELDS)
def start(
    number: int = typer.Argument(..., min=1, help="The task's number."),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Mark a task as in progress.

    Example: behflow task start 12
    """
    _set_status(number, "in_progress", "Started", output.Output(fmt, json_fields, TASK_FIELDS))


@app.command()
@declares(TASK_FIELDS)
def block(
    number: int = typer.Argument(..., min=1, help="The task's number."),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Mark a task as blocked.

    Example: behflow task block 12
    """
    _set_status(number, "blocked", "Blocked", output.Output(fmt, json_fields, TASK_FIELDS))


def _bulk_report(result: dict[str, Any], out: output.Output, verb: str) -> None:
    if out.human:
        if result["changed"]:
            output.write(f"{verb} " + ", ".join(f"#{n}" for n in result["changed"]))
    elif out.format in ("json", "ndjson"):
        out.record(result, BULK_FIELDS)
    else:
        for number in result["changed"]:
            output.write(str(number))
    if result["not_found"]:
        raise task_not_found(result["not_found"])


def _next_occurrence(api: Any, task: dict[str, Any]) -> dict[str, Any] | None:
    """The open task completing a recurring one created: same title and rule, a higher
    number."""
    page = api.list_tasks(status=["open"], search=task["title"], sort="number", limit=50)
    later = [
        dict(item)
        for item in page["items"]
        if item["number"] > task["number"]
        and item.get("recurrence") == task["recurrence"]
        and item["title"] == task["title"]
    ]
    return later[0] if later else None


@app.command()
@declares(BULK_FIELDS)
def done(
    numbers: list[int] = typer.Argument(..., min=1, metavar="N...", help="Task numbers."),
    with_subtasks: bool = typer.Option(
        False, "--with-subtasks", help="Complete a parent's open subtasks too."
    ),
    leave_subtasks: bool = typer.Option(
        False, "--leave-subtasks", help="Complete a parent and leave its subtasks open."
    ),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Complete one or more tasks (a recurring task gets its next occurrence, and says when).

    A task with open subtasks asks on a terminal whether to complete them too; elsewhere give
    --with-subtasks or --leave-subtasks. Plain output: the completed numbers, one a line.

    Example: behflow task done 3 7 12
    """
    from behflow_cli.client import ApiError

    if with_subtasks and leave_subtasks:
        raise usage("give either --with-subtasks or --leave-subtasks, not both")
    action = "complete" if with_subtasks else "leave" if leave_subtasks else None
    out = output.Output(fmt, json_fields, BULK_FIELDS)
    with _client() as api:
        recurring: dict[int, dict[str, Any]] = {}
        if out.human:
            for number in dict.fromkeys(numbers):
                try:
                    task = dict(api.get_task(number))
                except ApiError as exc:
                    if exc.code != "task_not_found":
                        raise
                    continue
                if task.get("recurrence") and task["status"] != "completed":
                    recurring[number] = task
        result = _complete_asking(api, numbers, action)
        following = {
            number: _next_occurrence(api, recurring[number])
            for number in result["changed"]
            if number in recurring
        }
    if out.human:
        plain = [n for n in result["changed"] if n not in recurring]
        if plain:
            output.write("Completed " + ", ".join(f"#{n}" for n in plain))
        for number, task in recurring.items():
            if number not in result["changed"]:
                continue
            after = following.get(number)
            repeats = dates.repeats(task)
            line = f"Completed #{number} {task['title']} ({repeats})"
            if after is not None and after.get("due_at"):
                when = output.day_and_time(
                    after["due_at"], with_time=not dates.is_all_day(after["due_at"])
                )
                label = dates.relative_due(after["due_at"])
                line += f"; the next one, #{after['number']}, is due {when} ({label})"
            elif after is None:
                line += "; that was the last one"
            output.write(line)
        if result["not_found"]:
            raise task_not_found(result["not_found"])
        return
    _bulk_report(result, out, "Completed")


def _complete_asking(api: Any, numbers: list[int], action: str | None) -> dict[str, Any]:
    """bulk_complete; a parent with open subtasks and no flag: ask on a terminal, else fail
    with one line naming the flags."""
    from behflow_cli.client import ApiError

    try:
        return dict(api.bulk_complete(numbers, subtasks=action))
    except ApiError as exc:
        if exc.code != "open_subtasks" or not isinstance(exc.details, dict):
            raise
        parent = exc.details.get("number")
        pending = list(exc.details.get("open_subtasks") or [])
    count = len(pending)
    noun = "subtask" if count == 1 else "subtasks"
    listed = ", ".join(f"#{n}" for n in pending)
    if not (sys.stdin.isatty() and output.stdout_is_tty()):
        raise CliError(
            f"task #{parent} has {count} open {noun} ({listed}); give --with-subtasks to "
            "complete them too or --leave-subtasks to leave them open",
            FAILURE,
        )
    answer = typer.prompt(
        f"Task #{parent} has {count} open {noun} ({listed}). "
        f"Complete its {count} open {noun} too? [y/N/leave]",
        default="n",
        show_default=False,
    )
    word = answer.strip().lower()
    if word in ("y", "yes"):
        return dict(api.bulk_complete(numbers, subtasks="complete"))
    if word in ("l", "leave"):
        return dict(api.bulk_complete(numbers, subtasks="leave"))
    raise CliError("nothing completed", FAILURE)


@app.command()
@declares(TREE_FIELDS)
def tree(
    number: int | None = typer.Argument(None, min=1, help="Only this task and its subtasks."),
    status: list[str] = typer.Option(
        [], "--status", "-s", help="Show tasks with this status (and their parents); default open."
    ),
    all_: bool = typer.Option(False, "--all", "-a", help="Include completed and deleted tasks."),
    tag: list[str] = typer.Option([], "--tag", "-t", help="Has this tag (and its parents)."),
    project: str | None = typer.Option(None, "--project", "-P", help="In this project."),
    sort: str | None = typer.Option(None, "--sort", help="Order of siblings, as in task list."),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Show tasks as a tree: subtasks indented under their parent, with progress (2/5).

    A filter keeps the tasks that match and the parents above them, so a matching subtask
    is always shown in its place.

    Examples:

      behflow task tree

      behflow task tree 12 --all

      behflow task tree --json number,depth,title
    """
    out = output.Output(fmt, json_fields, TREE_FIELDS)
    statuses = status or ([] if all_ else ["open"])
    with _client() as api:
        result = api.task_tree(
            number,
            status=statuses,
            tag=tag or None,
            project=project,
            sort=sort,
            archived="include" if all_ else None,
        )
    items = [dict(item) for item in result["items"]]
    if out.human:
        output.task_table(items, empty="No tasks. Add one: behflow task add 'Buy milk'")
        if result.get("truncated"):
            output.info(f"only the first {result['total']} matching tasks are shown")
    elif out.format in ("json", "ndjson"):
        out.records(items, TREE_COLUMNS)
    else:
        out.records([output.shown_status(task) for task in items], TREE_COLUMNS)


@app.command()
@declares(TASK_FIELDS)
def reopen(
    number: int = typer.Argument(..., min=1, help="The task's number."),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Reopen a completed task, or bring back a deleted one.

    Example: behflow task reopen 12
    """
    out = output.Output(fmt, json_fields, TASK_FIELDS)
    with _client() as api:
        task = dict(api.get_task(number))
        if task.get("archived_at"):
            task = dict(api.restore_task(number))
        if task["status"] == "completed":
            task = dict(api.reopen_task(number))
    _report([task], out, "Reopened")


@app.command()
@declares(TASK_FIELDS)
def skip(
    number: int = typer.Argument(..., min=1, help="The recurring task's number."),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Skip this occurrence of a recurring task: it moves to its next date, not completed.

    The skipped date counts towards an end such as "5 times".

    Example: behflow task skip 12
    """
    from behflow_cli.commands.task_occurrence import occurrence

    occurrence(_client, number, None, fmt, json_fields, TASK_FIELDS)


@app.command()
@declares(TASK_FIELDS)
def move(
    number: int = typer.Argument(..., min=1, help="The recurring task's number."),
    when: str = typer.Argument(..., help='The new due date of this occurrence: "fri 9am".'),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Move one occurrence of a recurring task; the series keeps its schedule.

    Example: behflow task move 12 "thursday 9am"
    """
    from behflow_cli.commands.task_occurrence import occurrence

    occurrence(_client, number, when, fmt, json_fields, TASK_FIELDS)


@app.command("restore-due")
@declares(TASK_FIELDS)
def restore_due(
    number: int = typer.Argument(..., min=1, help="The task's number."),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Put back the due date you set, after automation moved it (the "moved from" date).

    The nightly reschedule_overdue process moves overdue tasks when it is switched on; the
    date you typed is kept, and this puts it (and the reminder) back.

    Example: behflow task restore-due 12
    """
    out = output.Output(fmt, json_fields, TASK_FIELDS)
    with _client() as api:
        task = dict(api.restore_due(number))
    if out.human:
        due = output.day_and_time(
            task.get("due_at"), with_time=not dates.is_all_day(task.get("due_at"))
        )
        label = dates.relative_due(task.get("due_at"))
        output.write(f"Restored #{task['number']} {task['title']}: due {due} ({label})")
    else:
        _report([task], out, "Restored")


@app.command()
@declares(BULK_FIELDS)
def delete(
    numbers: list[int] = typer.Argument(..., min=1, metavar="N...", help="Task numbers."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask; needed when not interactive."),
    hard: bool = typer.Option(
        False, "--hard", help="Remove for good (otherwise deleted: `task reopen` brings it back)."
    ),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Delete tasks (kept as deleted, restorable, unless --hard). Asks first on a terminal.

    Examples:

      behflow task delete 12

      behflow task delete 3 4 5 --yes
    """
    from behflow_cli.client import ApiError

    out = output.Output(fmt, json_fields, BULK_FIELDS)
    if not yes and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise usage("refusing to delete without --yes when not running interactively")
    with _client() as api:
        if not yes:
            found, missing = [], []
            for number in dict.fromkeys(numbers):
                try:
                    found.append(dict(api.get_task(number)))
                except ApiError as exc:
                    if exc.code != "task_not_found":
                        raise
                    missing.append(number)
            if not found:
                raise task_not_found(missing)
            listed = ", ".join(f'#{t["number"]} "{t["title"]}"' for t in found)
            what = "Permanently delete" if hard else "Delete"
            if not typer.confirm(f"{what} {listed}?", default=False):
                raise CliError("nothing deleted", FAILURE)
        result = dict(api.bulk_delete(numbers, hard=hard))
    _bulk_report(result, out, "Deleted")


app.command("log")(task_log)  # behflow task log N: commands/history.py

app.command()(task_notes.note)
app.command()(task_notes.notes)

"""`behflow task note` and `behflow task notes`: Markdown notes on a task, and how `task show`
prints them.

A note's text comes from the words given, from standard input (`-`), or, with no words on a
terminal, from $VISUAL/$EDITOR (click.edit, as `task edit` does). Notes are named by the first
8 hex digits of their id. On a terminal the Markdown is drawn by rich (already a dependency);
piped, the text is printed as written.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import typer

from behflow_cli import dates, output
from behflow_cli.commands.common import FormatOption, JsonOption
from behflow_cli.commands.common import json_fields as declares
from behflow_cli.errors import usage

NOTE_FIELDS = ("id", "short_id", "task_number", "body", "created_at", "updated_at")
NOTE_COLUMNS = ("short_id", "created_at", "body")
SHORT = 8
EDITOR_HINT = (
    "# Write the note above (Markdown). Lines starting with '# ' below here are dropped.\n"
)


def short_id(note: Mapping[str, Any]) -> str:
    return str(note["id"]).replace("-", "")[:SHORT]


def ago(value: str | None, now: datetime | None = None) -> str:
    """ "5 min ago", "3 h ago", "2 days ago": how long ago a moment was."""
    moment = dates.parse_time(value)
    if moment is None:
        return ""
    seconds = ((now or datetime.now(UTC)) - moment).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 86_400:
        minutes = int(seconds // 60)
        return f"{minutes} min ago" if minutes < 60 else f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86_400)
    return "1 day ago" if days == 1 else f"{days} days ago"


def when(note: Mapping[str, Any]) -> str:
    """The note's time in the local zone and how long ago; "edited" when it changed since."""
    text = f"{output.day_and_time(note['created_at'])} ({ago(note['created_at'])})"
    if note.get("updated_at") and note["updated_at"] != note["created_at"]:
        text += f", edited {ago(note['updated_at'])}"
    return text


def print_notes(notes: Sequence[Mapping[str, Any]]) -> None:
    """Notes for people: a heading per note, its Markdown drawn by rich."""
    from rich.markdown import Markdown
    from rich.rule import Rule

    con = output.console()
    con.print(Rule(f"Notes ({len(notes)})", align="left", style="dim"))
    for note in notes:
        con.print(f"[bold]{short_id(note)}[/bold]  [dim]{when(note)}[/dim]", highlight=False)
        con.print(Markdown(note["body"]))
        con.print()


def _with_short(note: Mapping[str, Any]) -> dict[str, Any]:
    return {**note, "short_id": short_id(note)}


def _from_editor(current: str = "") -> str:
    import click

    edited = click.edit(current + "\n\n" + EDITOR_HINT, extension=".md", require_save=True)
    if edited is None:
        return ""
    kept = [line for line in edited.splitlines() if not line.startswith("# ")]
    return "\n".join(kept).strip()


def _on_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _body(words: list[str], current: str = "") -> str:
    if words == ["-"]:
        return sys.stdin.read().strip()
    if words:
        return " ".join(words).strip()
    if _on_terminal():
        return _from_editor(current)
    raise usage("give the note's text, or `-` to read it from standard input")


def _client() -> Any:
    from behflow_cli.session import client

    return client()


def note(
    number: int = typer.Argument(..., min=1, help="The task's number."),
    text: list[str] | None = typer.Argument(
        None, help="The note (Markdown); `-` reads standard input; none opens $EDITOR."
    ),
    edit: str | None = typer.Option(
        None, "--edit", "-e", metavar="ID", help="Change this note (its short id) instead."
    ),
    delete: str | None = typer.Option(
        None, "--delete", "-d", metavar="ID", help="Delete this note (its short id)."
    ),
) -> None:
    """Add a note to a task (or change or delete one).

    Examples: behflow task note 12 called the landlord, he comes friday
              echo "- [ ] ask about the boiler" | behflow task note 12 -
              behflow task note 12 --delete 3f2a9c01
    """
    words = list(text or [])
    if edit and delete:
        raise usage("give --edit or --delete, not both")
    with _client() as api:
        if delete:
            if words:
                raise usage("--delete takes no text")
            api.delete_note(number, delete)
            output.info(f"Deleted note {delete} of #{number}")
            return
        current = ""
        if edit and not words:
            current = next(
                (n["body"] for n in api.list_notes(number) if short_id(n).startswith(edit)), ""
            )
        body = _body(words, current)
        if not body:
            output.info("Empty note; nothing saved.")
            return
        saved = api.update_note(number, edit, body) if edit else api.add_note(number, body)
    verb = "Updated" if edit else "Added"
    if output.stdout_is_tty():
        output.write(f"{verb} note {short_id(saved)} to #{number}")
    else:
        output.write(short_id(saved))


@declares(NOTE_FIELDS)
def notes(
    number: int = typer.Argument(..., min=1, help="The task's number."),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """List a task's notes, oldest first.

    Example: behflow task notes 12 --json short_id,body
    """
    out = output.Output(fmt, json_fields, NOTE_FIELDS)
    with _client() as api:
        items = [_with_short(n) for n in api.list_notes(number)]
    if out.human:
        if items:
            print_notes(items)
        else:
            output.info(f"#{number} has no notes; add one with `behflow task note {number} TEXT`")
        return
    out.records(items, NOTE_COLUMNS)

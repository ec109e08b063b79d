"""`behflow task edit N`: the task in $EDITOR as a text form (behflow_cli/editform.py), the
changes sent as one PATCH. The editor is click.edit (Typer vendors a click without it):
$VISUAL, then $EDITOR, as git does."""

from __future__ import annotations

from typing import Any

import click
import typer

from behflow_cli import editform, output
from behflow_cli.accounts import interactive
from behflow_cli.commands.phrases import read_recurrence, read_time
from behflow_cli.errors import USAGE, CliError


def _fields(api: Any, changed: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """PATCH fields and the fields to clear, from the form's changed text."""
    fields: dict[str, Any] = {}
    clear: list[str] = []
    for name, value in changed.items():
        if name in ("title", "status", "priority"):
            fields[name] = value
        elif name == "description":
            if value:
                fields["description"] = value
            else:
                clear.append("description")
        elif name == "tags":
            fields["tags"] = editform.tag_list(value)
        elif name == "project":
            if value:
                fields["project"] = value
            else:
                clear.append("project")
        elif name == "due":
            if value:
                fields["due"] = value
            else:
                clear.append("due_at")
        elif name == "ends":
            if value:
                fields["ends_at"] = read_time(api, value, "ends:")
            else:
                clear.append("ends_at")
        elif name == "remind":
            if value:
                fields["remind"] = value
            else:
                clear.append("remind_at")
        elif name == "repeat":
            if value:
                fields["recurrence"], _ = read_recurrence(api, value)
            else:
                clear.append("recurrence")
    return fields, clear


def _again(error: str) -> bool:
    """On a terminal: say what was wrong and offer to reopen the form."""
    if not interactive():
        return False
    output.info(f"error: {error}")
    return bool(typer.confirm("Edit again?", default=True))


def edit_task(api: Any, number: int) -> None:
    from behflow_cli.client import ApiError

    task = dict(api.get_task(number))
    original = editform.from_task(task)
    text = editform.render(task, original)
    while True:
        edited = click.edit(text, extension=".txt", require_save=True)
        if edited is None or edited == text:
            output.info(f"No changes; #{number} left as it was.")
            return
        try:
            form = editform.parse(edited)
        except editform.FormError as exc:
            if _again(str(exc)):
                text = _with_error(edited, str(exc))
                continue
            raise CliError(f"task edit: {exc}; nothing changed", USAGE) from None
        if form is None:
            output.info(f"The file was empty; #{number} left as it was.")
            return
        changed = editform.changes(original, form)
        if not changed:
            output.info(f"No changes; #{number} left as it was.")
            return
        try:
            fields, clear = _fields(api, changed)
            updated = dict(api.update_task(number, clear=clear, **fields))
        except (ApiError, CliError) as exc:
            if isinstance(exc, ApiError) and exc.status in (0, 401, 404):
                raise
            message = exc.message
            if _again(message):
                text = editform.render(task, form, error=message)
                continue
            raise CliError(f"task edit: {message}; nothing changed", USAGE) from None
        names = ", ".join(sorted(changed))
        output.write(f"Updated #{updated['number']} {updated['title']} ({names})")
        return


def _with_error(text: str, error: str) -> str:
    """The user's own text again, with the problem on top (comment lines are ignored)."""
    lines = [line for line in text.splitlines() if not line.startswith("# ERROR: ")]
    return f"# ERROR: {error}\n" + "\n".join(lines) + "\n"

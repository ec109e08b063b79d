"""Phrases the server reads for a command: a repetition ("every monday") as an RRULE, a date
("friday 5pm") as a UTC time. Shared by `task add/update` and `task edit`."""

from __future__ import annotations

from typing import Any

from behflow_cli.errors import usage


def read_recurrence(api: Any, phrase: str) -> tuple[str, str | None]:
    """The RRULE for a repetition phrase and its first occurrence (the due time, unless --due
    says otherwise: "every friday at 5pm" keeps its time there), read by the server's
    quick-add grammar."""
    text = phrase.strip()
    words = text if text.lower().startswith(("every", "on ")) else f"every {text}"
    parsed = api.quick_preview(f"x {words}")
    if not parsed.get("recurrence"):
        raise usage(f'cannot read --every {phrase!r}; try "monday", "weekday" or "2 weeks"')
    return str(parsed["recurrence"]), parsed.get("due_at")


def read_time(api: Any, phrase: str, option: str) -> str:
    """A date phrase read by the server (in the user's zone), as an ISO time in UTC."""
    from behflow_cli.client import ApiError

    try:
        parsed = api.preview("x", due=phrase)["parsed"]
    except ApiError as exc:
        if exc.status in (0, 401):
            raise
        raise usage(f"cannot read {option} {phrase!r} as a date or time") from None
    if not parsed.get("due_at"):
        raise usage(f"cannot read {option} {phrase!r} as a date or time")
    return str(parsed["due_at"])

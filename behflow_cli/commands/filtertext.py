"""An invalid filter (docs/filters.md) as the CLI reports it: the server's message and a caret
under the token, exit 2. Shared by `behflow task list` and `behflow filter`/`context`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from behflow_cli.errors import USAGE, CliError


def caret(message: str, text: str, details: Any) -> str:
    """The server's message, then the filter with a caret under the offending token."""
    if not isinstance(details, dict) or not isinstance(details.get("position"), int):
        return message
    position = min(details["position"], len(text))
    width = max(1, len(str(details.get("token") or "")))
    return f"{message}\n  {text}\n  {' ' * position}{'^' * width}"


@contextmanager
def filter_errors(text: str | None) -> Iterator[None]:
    """An invalid filter is a usage error (exit 2) that points at the token."""
    from behflow_cli.client import ApiError

    try:
        yield
    except ApiError as exc:
        if exc.code != "invalid_filter" or text is None:
            raise
        raise CliError(caret(exc.message, text, exc.details), USAGE) from None

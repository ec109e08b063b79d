"""Exit codes and the one error type commands raise; `run()` prints it as one line on stderr."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from behflow_cli.client import ApiError

OK = 0
FAILURE = 1
USAGE = 2
LOGIN_NEEDED = 4
UNREACHABLE = 5


class CliError(Exception):
    """A failure to report as `error: <message>` with a documented exit code."""

    def __init__(self, message: str, exit_code: int = FAILURE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def usage(message: str) -> CliError:
    return CliError(message, USAGE)


def task_not_found(numbers: list[int]) -> CliError:
    """The one wording for task numbers that are not there (or are someone else's)."""
    listed = ", ".join(f"#{n}" for n in numbers)
    noun = "task" if len(numbers) == 1 else "tasks"
    return CliError(
        f"no {noun} {listed}. See `behflow task list --all` for your task numbers.", FAILURE
    )


def from_api_error(exc: ApiError) -> CliError:
    """Turn a server answer into a message that says what to do next."""
    if exc.code == "unreachable":
        return CliError(exc.message, UNREACHABLE)
    if exc.status == 401:
        hint = "run `behflow login` (or set BEHFLOW_TOKEN)"
        if exc.code == "invalid_credentials":
            return CliError(f"{exc.message} Check them, or run `behflow register`.", LOGIN_NEEDED)
        return CliError(f"{exc.message.rstrip('.')}: {hint}.", LOGIN_NEEDED)
    if exc.status == 422 or exc.code in ("invalid_input", "invalid_json"):
        return CliError(exc.message, USAGE)
    if exc.code == "task_not_found":
        number = exc.details.get("number") if isinstance(exc.details, dict) else None
        if isinstance(number, int):
            return task_not_found([number])
        return CliError(
            f"{exc.message} See `behflow task list --all` for your task numbers.", FAILURE
        )
    if exc.status == 429:
        return CliError(exc.message, FAILURE)
    if exc.status >= 500:
        return CliError(
            f"the server failed ({exc.status}): {exc.message} See `behflow server logs`.",
            FAILURE,
        )
    return CliError(exc.message, FAILURE)

"""The `behflow` command.

Command groups load lazily: `behflow task list` imports only commands/task.py, so every call
stays cheap however many groups there are. To add a command group, add one line to COMMANDS.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from behflow_cli.errors import FAILURE, USAGE, CliError, from_api_error

# name -> "package.module" (the module's Typer `app` is the group), "package.module#attr" (that
# Typer app of the module) or "package.module:command" (one command of that module's `app`,
# shown at the top level).
COMMANDS: dict[str, str] = {
    "register": "behflow_cli.commands.auth:register",
    "login": "behflow_cli.commands.auth:login",
    "logout": "behflow_cli.commands.auth:logout",
    "whoami": "behflow_cli.commands.auth:whoami",
    "task": "behflow_cli.commands.task",
    "project": "behflow_cli.commands.labels#project_app",
    "tag": "behflow_cli.commands.labels#tag_app",
    "account": "behflow_cli.commands.account",
    "chat": "behflow_cli.commands.chat",
    "server": "behflow_cli.commands.server",
    "process": "behflow_cli.commands.process",
    "webhook": "behflow_cli.commands.webhook",
    "notify": "behflow_cli.commands.notify",
    "stats": "behflow_cli.commands.stats:stats",
    "tui": "behflow_cli.commands.tui",
    "export": "behflow_cli.commands.export:export",
    "import": "behflow_cli.commands.export:import",
    "calendar": "behflow_cli.commands.calendar",
    "mcp": "behflow_cli.commands.mcp:mcp",
    "undo": "behflow_cli.commands.history:undo",
    "redo": "behflow_cli.commands.history:redo",
    "history": "behflow_cli.commands.history:history",
    "filter": "behflow_cli.commands.filters",
    "context": "behflow_cli.commands.context:context",
}


def _suggest(group: TyperGroup, ctx: Any, args: list[str]) -> Any:
    """click's resolve_command with "Did you mean ...?" over every command name, loaded or
    not (Typer's own suggestion only sees the commands already built)."""
    import difflib

    from typer._click import exceptions as click

    try:
        return TyperGroup.resolve_command(group, ctx, args)
    except click.UsageError as exc:
        if args and "Did you mean" not in exc.message:
            matches = difflib.get_close_matches(args[0], group.list_commands(ctx), n=1)
            if matches:
                exc.message = f"{exc.message.rstrip('.')}. Did you mean `{matches[0]}`?"
        raise


class LazyGroup(TyperGroup):
    """A click group whose commands are imported only when they are called (or listed)."""

    def list_commands(self, ctx: Any) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        return _suggest(self, ctx, args)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        spec = COMMANDS.get(cmd_name)
        if spec is None:
            return super().get_command(ctx, cmd_name)
        module_name, _, command_name = spec.partition(":")
        module_name, _, attribute = module_name.partition("#")
        typer_app = getattr(importlib.import_module(module_name), attribute or "app")
        group = _group(typer_app, cmd_name)
        command = group.get_command(ctx, command_name) if command_name else group
        command.name = cmd_name
        return command

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            # The HTTP client is imported only by commands that use it; so is its error type.
            client = sys.modules.get("behflow_cli.client")
            if client is not None and isinstance(exc, client.ApiError):
                raise from_api_error(exc) from None
            raise


class TyperSubGroup(TyperGroup):
    """A Typer app's commands, each built only when called: building one inspects its whole
    signature, and `behflow task list` need not pay for the other eight."""

    def __init__(self, typer_app: typer.Typer, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.typer_app = typer_app
        self.infos = {
            info.name or typer.main.get_command_name(info.callback.__name__): info  # type: ignore[union-attr]  # set by @command
            for info in typer_app.registered_commands
        }

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.infos)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        return _suggest(self, ctx, args)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in self.infos:
            self.commands[cmd_name] = typer.main.get_command_from_info(
                self.infos[cmd_name],
                pretty_exceptions_short=True,
                rich_markup_mode=self.typer_app.rich_markup_mode,
            )
        return self.commands.get(cmd_name)


def _group(typer_app: typer.Typer, name: str) -> Any:
    """The click group for a command module's Typer app."""
    plain = typer_app.registered_callback is None and not typer_app.registered_groups
    if not plain or len(typer_app.registered_commands) < 2:
        return typer.main.get_command(typer_app)
    return TyperSubGroup(
        typer_app,
        name=name,
        help=typer_app.info.help,
        no_args_is_help=bool(typer_app.info.no_args_is_help),
        rich_markup_mode=typer_app.rich_markup_mode,
    )


app = typer.Typer(
    cls=LazyGroup,
    name="behflow",
    help="Behflow: a terminal-first task manager with an AI agent.\n\n"
    "Start with: behflow task add Buy milk --due tomorrow",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        print(f"behflow {version('behflow')}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False,
        "--version",
        "-V",
        help="Print the version and exit.",
        callback=_version,
        is_eager=True,
    ),
) -> None:
    """Behflow: a terminal-first task manager with an AI agent.

    Start with: behflow task add Buy milk --due tomorrow
    """


_FIELD_LIST = re.compile(r"^[a-z_]+(,[a-z_]+)*$")


def declared_fields(root: Any, args: Sequence[str]) -> tuple[tuple[str, ...], bool]:
    """The --json fields the command named by `args` declares (commands/common.json_fields),
    and whether it takes free words (a task title, a chat message) as arguments."""
    from typer._click.core import Context

    command = root
    context = Context(root, info_name="behflow")
    for word in args:
        if word == "--" or not hasattr(command, "get_command"):
            break
        if word.startswith("-"):
            continue
        sub = command.get_command(context, word)
        if sub is None:
            break
        command = sub
    callback = getattr(command, "callback", None)
    fields = tuple(getattr(callback, "json_fields", ()))
    free_words = any(
        param.param_type_name == "argument" and param.nargs == -1 and param.type.name == "str"
        for param in getattr(command, "params", ())
    )
    return fields, free_words


def _json_flag_values(
    args: Sequence[str], fields: Sequence[str] = (), free_words: bool = True
) -> list[str]:
    """Let `--json` stand alone (all fields) or take a field list, like the GitHub CLI:
    `--json title,due_at` and `--json=title,due_at` are the same. The word after a bare
    `--json` is its field list when it names the command's fields (or, for a command that
    takes no free words, whenever it looks like one; for one that does, when it is a near miss
    of a field), so a mistyped field is reported."""
    result: list[str] = []
    for index, arg in enumerate(args):
        if arg == "--":
            result.extend(args[index:])
            break
        following = args[index + 1] if index + 1 < len(args) else None
        if arg == "--json" and not _takes(following, fields, free_words):
            result.append("--json=")
        else:
            result.append(arg)
    return result


def _takes(word: str | None, fields: Sequence[str], free_words: bool) -> bool:
    if word is None or not _FIELD_LIST.match(word):
        return False
    names = word.split(",")
    if all(name in fields for name in names):
        return True
    if free_words:
        # `task add --json buy milk`: "buy" is the title, but `task list --json titel` is a
        # mistyped field (reported with "Did you mean title?"), not a search for "titel".
        import difflib

        return "," in word or bool(difflib.get_close_matches(word, fields, n=1, cutoff=0.8))
    return True


def _usage_message(exc: Exception) -> str:
    """click's message, with a mistyped option answered as "Did you mean --status?"."""
    from typer._click import exceptions as click

    if isinstance(exc, click.NoSuchOption):
        import difflib

        known = sorted(exc.possibilities or ())
        if exc.ctx is not None:
            known = sorted(
                {name for param in exc.ctx.command.params for name in param.opts} | set(known)
            )
        matches = difflib.get_close_matches(exc.option_name, known, n=1, cutoff=0.6)
        if matches:
            return f"No such option {exc.option_name}. Did you mean {matches[0]}?"
        return f"No such option {exc.option_name}."
    return str(exc.format_message())  # type: ignore[attr-defined]  # a click exception


def _fail(message: str, code: int) -> None:
    sys.stderr.write(f"error: {message}\n")
    sys.exit(code)


def run(argv: Sequence[str] | None = None) -> None:
    """The console entry point: errors become one line on stderr and a documented exit code."""
    # httpcore imports trio whenever it is installed (~55 ms), only to support trio event
    # loops; a CLI process never runs one. Applies to https:// servers (httpx's own transport).
    sys.modules.setdefault("trio", None)  # type: ignore[arg-type]  # None: "not importable"
    args = list(sys.argv[1:] if argv is None else argv)
    command = typer.main.get_command(app)
    if "--json" in args:
        args = _json_flag_values(args, *declared_fields(command, args))
    try:
        result = command.main(args=args, prog_name="behflow", standalone_mode=False)
    except CliError as exc:
        _fail(exc.message, exc.exit_code)
    except typer.TyperException as exc:  # click's usage errors (vendored by Typer)
        if not exc.format_message():  # no_args_is_help: the help was printed already
            sys.exit(getattr(exc, "exit_code", USAGE))
        context = getattr(exc, "ctx", None)
        hint = f" (see `{context.command_path} --help`)" if context is not None else ""
        _fail(_usage_message(exc) + hint, getattr(exc, "exit_code", USAGE))
    except (typer.Abort, KeyboardInterrupt):
        sys.stderr.write("\naborted\n")
        sys.exit(130)
    except BrokenPipeError:
        # The reader went away (`behflow task list | head`): not an error worth a traceback.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except OSError as exc:
        _fail(str(exc), FAILURE)
    sys.exit(result if isinstance(result, int) else 0)

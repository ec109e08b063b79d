"""`behflow chat`: talk to the agent, one message or a conversation."""

from __future__ import annotations

import sys
from typing import Any

import typer

from behflow_cli import config, output
from behflow_cli.commands.common import JsonOption
from behflow_cli.commands.common import json_fields as declares
from behflow_cli.errors import usage

app = typer.Typer(help="Talk to the agent.", add_completion=False)

LAST_SESSION_FILE = "chat_session"
EXIT_WORDS = {"exit", "quit", "bye", ":q"}


def _last_session_path() -> Any:
    return config.state_dir() / LAST_SESSION_FILE


def _remembered_session() -> str | None:
    try:
        return _last_session_path().read_text().strip() or None
    except OSError:
        return None


def _remember(session_id: str) -> None:
    path = _last_session_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(session_id)
    except OSError:
        pass


CHAT_FIELDS = ("session_id", "reply", "actions", "pending", "model")


class _Printer:
    """Writes a reply as its tokens arrive (`prefix` first), on a terminal or not."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.started = False

    def token(self, text: str) -> None:
        if not self.started:
            text = self.prefix + text.lstrip()
            self.started = True
        sys.stdout.write(text)
        sys.stdout.flush()

    def finish(self, reply: dict[str, Any]) -> None:
        if not self.started:  # an agent that sent no tokens: the whole reply at once
            sys.stdout.write(self.prefix + reply["reply"])
        sys.stdout.write("\n")
        sys.stdout.flush()


def _send(
    api: Any, message: str, session_id: str | None, printer: _Printer | None
) -> dict[str, Any]:
    """One message over the stream; a remembered session that expired or vanished is replaced
    by a new one (told on stderr)."""
    from behflow_cli.client import ApiError

    def turn(session: str | None) -> dict[str, Any]:
        for kind, body in api.chat_stream(message, session):
            if kind == "token" and printer is not None:
                printer.token(body["text"])
            elif kind == "done":
                return dict(body)
        raise AssertionError("chat_stream ends with done or raises")  # pragma: no cover

    try:
        reply = turn(session_id)
    except ApiError as exc:
        if session_id is None or exc.code not in {"session_expired", "session_not_found"}:
            raise
        output.info(f"{exc.message} Starting a new conversation.")
        reply = turn(None)
    if printer is not None:
        printer.finish(reply)
    _remember(str(reply["session_id"]))
    return reply


def _say(api: Any, message: str, session_id: str | None, out: output.Output | None) -> str:
    """Send one message and print the reply (streamed, or as --json); the session id."""
    reply = _send(api, message, session_id, None if out else _Printer())
    if out is not None:
        out.record(reply, CHAT_FIELDS[:-1])
    return str(reply["session_id"])


@app.command()
@declares(CHAT_FIELDS)
def chat(
    message: list[str] = typer.Argument(None, help="The message; omit it for a conversation."),
    session: str = typer.Option(None, "--session", "-s", help="Continue this session id."),
    new: bool = typer.Option(False, "--new", help="Start a new conversation."),
    json_fields: str = JsonOption,
) -> None:
    """Ask the agent to add, list, change, complete or delete tasks, in plain words.

    Examples: behflow chat "remind me to call mom tomorrow at 5pm";
    behflow chat "mark it done"; behflow chat (a conversation; empty line or exit ends it).
    """
    from behflow_cli.session import client

    if new and session:
        raise usage("give either --session or --new, not both")
    out = output.Output("json", json_fields, CHAT_FIELDS) if json_fields is not None else None
    session_id = None if new else (session or _remembered_session())
    text = " ".join(message or []).strip()
    with client(timezone=True) as api:
        if text:
            _say(api, text, session_id, out)
            return
        if not sys.stdin.isatty():
            lines = [line.strip() for line in sys.stdin if line.strip()]
            if not lines:
                raise usage('give a message, e.g. behflow chat "what is due today?"')
            for line in lines:
                session_id = _say(api, line, session_id, out)
            return
        _conversation(api, session_id, out)


def _conversation(api: Any, session_id: str | None, out: output.Output | None) -> None:
    """A conversation on a terminal; it continues the last session, showing where it left off."""
    from behflow_cli.client import ApiError

    if session_id is not None:
        try:
            history = api.chat_messages(session_id)
        except ApiError:
            session_id = None
        else:
            for item in history[-6:]:
                who = "you" if item["role"] == "user" else "behflow"
                output.write(f"{who}> {item['content']}")
    output.info("Talk to Behflow; an empty line or `exit` ends the conversation.")
    while True:
        try:
            line = input("you> ").strip()
        except EOFError:
            output.write("")
            return
        if not line or line.lower() in EXIT_WORDS:
            return
        if out is not None:
            session_id = _say(api, line, session_id, out)
        else:
            session_id = str(_send(api, line, session_id, _Printer("behflow> "))["session_id"])

"""`behflow chat`: talk to the agent, one message or a conversation."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

from behflow_cli import config, output
from behflow_cli.commands.common import JsonOption
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


def _send(api: Any, message: str, session_id: str | None) -> dict[str, Any]:
    """One message; a remembered session that expired or vanished is replaced by a new one."""
    from behflow_cli.client import ApiError

    try:
        reply: dict[str, Any] = api.request(
            "POST", "/api/v1/chat", json={"message": message, "session_id": session_id}
        )
    except ApiError as exc:
        if session_id is None or exc.code not in {"session_expired", "session_not_found"}:
            raise
        output.info(f"{exc.message} Starting a new conversation.")
        reply = api.request("POST", "/api/v1/chat", json={"message": message})
    _remember(str(reply["session_id"]))
    return reply


def _show(reply: dict[str, Any], json_fields: str | None) -> None:
    if json_fields is not None:
        body = {
            "session_id": reply["session_id"],
            "reply": reply["reply"],
            "actions": reply["actions"],
            "pending": reply.get("pending"),
        }
        if json_fields:
            body = {k: v for k, v in body.items() if k in json_fields.split(",")}
        output.write(json.dumps(body, indent=2 if output.stdout_is_tty() else None))
        return
    output.write(reply["reply"])


@app.command()
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
    session_id = None if new else (session or _remembered_session())
    text = " ".join(message or []).strip()
    with client(timezone=True) as api:
        if text:
            _show(_send(api, text, session_id), json_fields)
            return
        if not sys.stdin.isatty():
            lines = [line.strip() for line in sys.stdin if line.strip()]
            if not lines:
                raise usage('give a message, e.g. behflow chat "what is due today?"')
            for line in lines:
                reply = _send(api, line, session_id)
                session_id = str(reply["session_id"])
                _show(reply, json_fields)
            return
        _conversation(api, session_id, json_fields)


def _conversation(api: Any, session_id: str | None, json_fields: str | None) -> None:
    from behflow_cli.client import ApiError

    if session_id is not None:
        try:
            history = api.request("GET", f"/api/v1/chat/sessions/{session_id}/messages")
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
        except (EOFError, KeyboardInterrupt):
            output.write("")
            return
        if not line or line.lower() in EXIT_WORDS:
            return
        reply = _send(api, line, session_id)
        session_id = str(reply["session_id"])
        if json_fields is not None:
            _show(reply, json_fields)
        else:
            output.write(f"behflow> {reply['reply']}")

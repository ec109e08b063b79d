"""The chat worker's calls: one turn with the agent, streamed, and the last session's history.

The wire contract (behflow_server/chat/schemas.py) is read by BehflowClient.chat_stream with
httpx-sse: `token` events {"text"} as the reply is generated, then one `done` ChatReply
{session_id, reply, actions, pending, model}; an `error` event raises ApiError.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from behflow_cli.client import ApiError, BehflowClient

ChatReply = dict[str, Any]


def converse(
    client: BehflowClient,
    message: str,
    session_id: str | None,
    on_token: Callable[[str], object],
) -> ChatReply:
    """The agent's ChatReply; `on_token` receives the reply's pieces as they stream in."""
    for kind, body in client.chat_stream(message, session_id):
        if kind == "token":
            on_token(str(body.get("text") or ""))
        else:
            return dict(body)
    raise ApiError("the chat stream ended without a reply", code="stream_cut", status=0)


def last_session(client: BehflowClient) -> tuple[str, list[dict[str, Any]]] | None:
    """The newest chat session and its messages (oldest first), to pick up where it was left."""
    sessions = client.chat_sessions()  # most recent first
    if not sessions:
        return None
    session_id = str(sessions[0]["id"])
    return session_id, [dict(m) for m in client.chat_messages(session_id)]

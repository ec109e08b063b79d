"""The chat worker's wire: POST /api/v1/chat/stream, read as Server-Sent Events.

The contract (behflow_server/chat/schemas.py): `token` events {"text": "..."} as the reply is
generated, then one `done` event carrying a ChatReply {session_id, reply, actions, pending,
model}, or one `error` event {code, message, ...}. Nothing else is guessed at.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from behflow_cli.client import ApiError, BehflowClient
from behflow_cli.tui.live import frames

STREAM_PATH = "/api/v1/chat/stream"
SESSIONS_PATH = "/api/v1/chat/sessions"
# An LLM may think for a while; the UI stays responsive meanwhile (this runs in a worker).
TIMEOUT = httpx.Timeout(10.0, read=180.0)

ChatReply = dict[str, Any]


def _http_error(response: httpx.Response) -> ApiError:
    try:
        error = response.json()["error"]
        return ApiError(
            str(error["message"]),
            code=str(error.get("code", "http_error")),
            status=response.status_code,
            details=error.get("details"),
        )
    except (ValueError, KeyError, TypeError):
        return ApiError(
            f"the chat answered HTTP {response.status_code}",
            code="http_error",
            status=response.status_code,
        )


def converse(
    client: BehflowClient,
    message: str,
    session_id: str | None,
    on_token: Callable[[str], object],
) -> ChatReply:
    """The agent's ChatReply; `on_token` receives the reply's pieces as they stream in."""
    body: dict[str, Any] = {"message": message}
    if session_id:
        body["session_id"] = session_id
    headers = {**client.headers(), "Accept": "text/event-stream"}
    try:
        with client.http.stream(
            "POST", STREAM_PATH, json=body, headers=headers, timeout=TIMEOUT
        ) as response:
            if response.status_code != 200:
                response.read()
                raise _http_error(response)
            for frame in frames(response.iter_lines()):
                if frame.type == "token":
                    on_token(str(frame.data.get("text") or ""))
                elif frame.type == "error":
                    raise ApiError(
                        str(frame.data.get("message") or "the agent failed"),
                        code=str(frame.data.get("code") or "chat_failed"),
                        status=0,
                        details=frame.data.get("details"),
                    )
                elif frame.type == "done":
                    return frame.data
    except httpx.TimeoutException as exc:
        raise ApiError("the agent did not answer in time", code="timeout", status=0) from exc
    except httpx.HTTPError as exc:
        raise ApiError(f"cannot reach the server: {exc}", code="unreachable", status=0) from exc
    raise ApiError("the chat stream ended without a reply", code="chat_failed", status=0)


def last_session(client: BehflowClient) -> tuple[str, list[dict[str, Any]]] | None:
    """The newest chat session and its messages (oldest first), to pick up where it was left."""
    sessions: list[dict[str, Any]] = client.request("GET", SESSIONS_PATH) or []
    if not sessions:
        return None
    newest = max(sessions, key=lambda s: str(s.get("last_active_at") or ""))
    session_id = str(newest["id"])
    messages: list[dict[str, Any]] = (
        client.request("GET", f"{SESSIONS_PATH}/{session_id}/messages") or []
    )
    return session_id, messages

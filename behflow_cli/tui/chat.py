"""Talking to the agent: POST /api/v1/chat, streamed when the server offers the SSE variant.

The streamed variant, POST /api/v1/chat/stream, sends `token` frames ({"delta": "..."}) as the
reply is generated and one `done` frame with the same body as POST /api/v1/chat
({session_id, reply, actions, pending}). A server without it (404/405) gets the plain request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from behflow_cli.client import ApiError, BehflowClient
from behflow_cli.tui.live import frames

CHAT_PATH = "/api/v1/chat"
STREAM_PATH = "/api/v1/chat/stream"
# An LLM may think for a while; the UI stays responsive meanwhile (this runs in a worker).
TIMEOUT = httpx.Timeout(10.0, read=180.0)


def _error(response: httpx.Response) -> ApiError:
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


def send(
    client: BehflowClient,
    message: str,
    session_id: str | None,
    on_chunk: Callable[[str], None],
) -> dict[str, Any]:
    """The chat result; `on_chunk` receives pieces of the reply as they stream in."""
    body: dict[str, Any] = {"message": message}
    if session_id:
        body["session_id"] = session_id
    headers = {**client.headers(), "Accept": "text/event-stream"}
    try:
        with client.http.stream(
            "POST", STREAM_PATH, json=body, headers=headers, timeout=TIMEOUT
        ) as response:
            if response.status_code not in (404, 405):
                if response.status_code != 200:
                    response.read()
                    raise _error(response)
                result: dict[str, Any] = {}
                for frame in frames(response.iter_lines()):
                    if frame.type in ("token", "delta"):
                        on_chunk(str(frame.data.get("delta") or frame.data.get("text") or ""))
                    elif frame.type == "error":
                        raise ApiError(
                            str(frame.data.get("message") or "the agent failed"),
                            code="chat_failed",
                            status=0,
                        )
                    elif frame.type == "done":
                        result = frame.data
                if result:
                    return result
        response = client.http.post(CHAT_PATH, json=body, headers=client.headers(), timeout=TIMEOUT)
    except httpx.TimeoutException as exc:
        raise ApiError("the agent did not answer in time", code="timeout", status=0) from exc
    except httpx.HTTPError as exc:
        raise ApiError(f"cannot reach the server: {exc}", code="unreachable", status=0) from exc
    if not response.is_success:
        raise _error(response)
    data = response.json()
    if not isinstance(data, dict):
        raise ApiError("the chat answered something unexpected", code="bad_reply", status=0)
    return data

"""Pure ASGI middleware: request ids with access logging, and request body limits."""

from __future__ import annotations

import json
import logging
import secrets
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("behflow.access")
REQUEST_ID_HEADER = b"x-request-id"


class RequestIdMiddleware:
    """Tags every request with an id (the client's X-Request-ID if sane) and logs it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER, request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "%s %s %s %.1fms id=%s",
                    scope["method"],
                    scope["path"],
                    status,
                    (time.perf_counter() - started) * 1000,
                    request_id,
                )


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER:
            text = value.decode("latin-1")
            if 0 < len(text) <= 64 and all(c.isalnum() or c in "-_." for c in text):
                return text
    return None


# Deeper than anything a client of this API writes; far below Python's recursion limit.
MAX_JSON_DEPTH = 32
_OPEN, _CLOSE, _QUOTE, _BACKSLASH = b"[{", b"]}", 0x22, 0x5C


class BodySizeLimitMiddleware:
    """Read a request body up to `max_bytes` before any handler sees it: larger is 413 (also
    when it arrives in chunks without a length), JSON nested deeper than `max_depth` is 422.

    Checking depth here, once, keeps a hostile body from reaching the JSON parser, Pydantic or
    the database driver, whose limits differ (a RecursionError is a 500; PostgreSQL and SQLite
    refuse different depths)."""

    def __init__(self, app: ASGIApp, max_bytes: int, max_depth: int = MAX_JSON_DEPTH) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        try:
            declared = int(headers.get(b"content-length", b"0"))
        except ValueError:
            declared = 0
        if declared > self.max_bytes:
            await _error(send, 413, "payload_too_large", self._too_large)
            return
        if scope.get("method") in {"GET", "HEAD", "OPTIONS", "DELETE"} and not declared:
            await self.app(scope, receive, send)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before its body arrived: nothing to answer
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_bytes:
                await _error(send, 413, "payload_too_large", self._too_large)
                return
        if b"json" in headers.get(b"content-type", b""):
            depth, problem = _scan(body)
            if depth > self.max_depth:
                message_text = f"The JSON body nests deeper than {self.max_depth} levels."
                await _error(send, 422, "too_deeply_nested", message_text)
                return
            if problem is not None:
                await _error(send, 422, "invalid_input", problem)
                return
        await self.app(scope, _replay(bytes(body), receive), send)

    @property
    def _too_large(self) -> str:
        return f"The request body is larger than {self.max_bytes} bytes."


def _scan(body: bytes | bytearray) -> tuple[int, str | None]:
    """The deepest bracket nesting outside strings, and the first value that the two stores
    would treat differently (SQLite keeps it, PostgreSQL refuses it): NaN/Infinity, a NUL
    character, a lone UTF-16 surrogate. No parsing, no recursion."""
    depth = deepest = 0
    in_string = False
    index, size = 0, len(body)
    while index < size:
        byte = body[index]
        if in_string:
            if byte == _QUOTE:
                in_string = False
            elif byte == _BACKSLASH:
                if body[index + 1 : index + 2] == b"u":
                    problem = _escape_problem(body, index)
                    if problem is not None:
                        return deepest, problem
                index += 1
        elif byte == _QUOTE:
            in_string = True
        elif byte in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif byte in _CLOSE:
            depth -= 1
        elif byte in _NOT_JSON_NUMBERS:
            return deepest, "NaN and Infinity are not JSON numbers."
        index += 1
    return deepest, None


# Outside strings JSON has only true, false, null and exponents: N and I start NaN, Infinity.
_NOT_JSON_NUMBERS = b"NI"


def _escape_problem(body: bytes | bytearray, index: int) -> str | None:
    """What is wrong with the \\uXXXX escape at `index`, if anything."""
    try:
        code = int(body[index + 2 : index + 6], 16)
    except ValueError:
        return None  # not an escape the parser accepts either: it answers invalid_json
    if code == 0:
        return "Text may not contain the NUL character (\\u0000)."
    if 0xD800 <= code <= 0xDBFF:
        following = body[index + 6 : index + 12]
        if following[:2] == b"\\u":
            try:
                if 0xDC00 <= int(following[2:], 16) <= 0xDFFF:
                    return None
            except ValueError:
                pass
        return "Text may not contain a lone UTF-16 surrogate."
    if 0xDC00 <= code <= 0xDFFF and body[index - 6 : index - 4] != b"\\u":
        return "Text may not contain a lone UTF-16 surrogate."
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive() that hands the app the body already read, then the real messages (a
    disconnect) from the server."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


async def _error(send: Send, status: int, code: str, message: str) -> None:
    data = json.dumps({"error": {"code": code, "message": message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})

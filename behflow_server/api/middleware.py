"""Pure ASGI middleware: request ids with access logging, and request body limits."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
import secrets
import time
from array import array

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from behflow_server.errors import BehflowError
from behflow_server.logs import request_id_var

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

        token = request_id_var.set(request_id)
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
            request_id_var.reset(token)


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER:
            text: str = value.decode("latin-1")
            if 0 < len(text) <= 64 and all(c.isalnum() or c in "-_." for c in text):
                return text
    return None


# Deeper than anything a client of this API writes; far below Python's recursion limit.
MAX_JSON_DEPTH = 32
_SCAN_IN_THREAD = 64 * 1024


class BodySizeLimitMiddleware:
    """Read a request body up to `max_bytes` before any handler sees it: larger is 413 (also
    when it arrives in chunks without a length), JSON nested deeper than `max_depth` is 422.

    Checking depth here, once, keeps a hostile body from reaching the JSON parser, Pydantic or
    the database driver, whose limits differ (a RecursionError is a 500; PostgreSQL and SQLite
    refuse different depths)."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        max_depth: int = MAX_JSON_DEPTH,
        body_timeout: float | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_depth = max_depth
        # A body that has not fully arrived this long after its headers is answered 408 (a
        # client trickling it byte by byte would otherwise hold its connection for ever).
        self.body_timeout = body_timeout

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
        try:
            async with asyncio.timeout(self.body_timeout):
                while more:
                    message = await receive()
                    if message["type"] != "http.request":
                        return  # the client went away before its body arrived
                    body += message.get("body", b"")
                    more = message.get("more_body", False)
                    if len(body) > self.max_bytes:
                        await _error(send, 413, "payload_too_large", self._too_large)
                        return
        except TimeoutError:
            message_text = f"The request body did not arrive within {self.body_timeout:g} s."
            await _error(send, 408, "request_timeout", message_text)
            return
        if b"json" in headers.get(b"content-type", b""):
            if len(body) > _SCAN_IN_THREAD:
                # A large body is scanned off the event loop: other requests keep flowing.
                depth, problem = await anyio.to_thread.run_sync(_scan, bytes(body), self.max_depth)
            else:
                depth, problem = _scan(body, self.max_depth)
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


# A JSON string, escapes included; what is left outside strings is structure and numbers.
# A JSON string, escapes included (unrolled, so a long string is one linear C scan).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
# An escaped backslash, or a \uXXXX escape (matched left to right, so "\\\\u0000" is text).
_ESCAPE = re.compile(rb"\\\\|\\u([0-9a-fA-F]{4})")
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")


def _scan(body: bytes | bytearray, max_depth: int = MAX_JSON_DEPTH) -> tuple[int, str | None]:
    """Whether brackets outside strings nest deeper than `max_depth` (returned as a depth over
    it, else 0), and the first value the two stores would treat differently (SQLite keeps it,
    PostgreSQL refuses it): NaN/Infinity, a NUL character, a lone UTF-16 surrogate. Regular
    expressions do the work in C, so a hostile 1 MiB body cannot hold the event loop."""
    outside = _STRING.sub(b'""', body)
    depth = _deeper_than(_NOT_BRACKET.sub(b"", outside), max_depth)
    if b"N" in outside or b"I" in outside:
        # Outside strings JSON has only true, false, null and exponents: NaN, Infinity.
        return depth, "NaN and Infinity are not JSON numbers."
    if b"\\u" in body:
        return depth, _escape_problem(body)
    return depth, None


def _deeper_than(brackets: bytes, max_depth: int) -> int:
    """The nesting depth of `brackets` when it is over max_depth, else 0 (a running sum of
    +1/-1, computed by array, accumulate and max in C)."""
    if len(brackets) <= 2 * max_depth:
        return 0 if brackets.count(b"[") + brackets.count(b"{") <= max_depth else _depth(brackets)
    depth = _depth(brackets)
    return depth if depth > max_depth else 0


_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


def _depth(brackets: bytes) -> int:
    steps = array("b", brackets.translate(_STEPS))
    return max(itertools.accumulate(steps), default=0)


def _escape_problem(body: bytes | bytearray) -> str | None:
    """What is wrong with the \\uXXXX escapes in `body`, if anything."""
    high_end = -1  # where an unpaired high surrogate's escape ended
    for match in _ESCAPE.finditer(body):
        if match.group(1) is None:
            continue
        code = int(match.group(1), 16)
        if high_end >= 0 and not (0xDC00 <= code <= 0xDFFF and match.start() == high_end):
            return _LONE_SURROGATE
        if code == 0:
            return "Text may not contain the NUL character (\\u0000)."
        if 0xD800 <= code <= 0xDBFF:
            high_end = match.end()
        elif 0xDC00 <= code <= 0xDFFF and high_end < 0:
            return _LONE_SURROGATE
        else:
            high_end = -1
    return _LONE_SURROGATE if high_end >= 0 else None


_LONE_SURROGATE = "Text may not contain a lone UTF-16 surrogate."


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
    await send_error(send, BehflowError(message, code=code, status=status))


async def send_error(send: Send, error: BehflowError) -> None:
    """Answer with `error` in the project's JSON error shape, from outside the app (where its
    exception handlers do not reach)."""
    data = json.dumps(error.to_dict()).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(data)).encode()),
        *(
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in error.headers.items()
        ),
    ]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": data})

"""Per-user bound on concurrent expensive requests, so one account cannot stall the others.

Which requests are expensive was measured (bench/attacks.py costs, docs/benchmarks.md): big
list pages (1,000 rows: ~45 ms against ~4 ms for a get), whole-account exports and imports, bulk
changes, chat messages (an LLM call holds a worker for seconds), webhook tests and process runs
(outbound calls, whole-account work). Everything else is a few milliseconds and is never held back.

Each user gets `limit` slots per server process; a request past them waits up to `wait_seconds`
for one, then is answered 429 `too_many_concurrent_requests` with Retry-After. The waiting is
asynchronous, so queued requests cost nothing while other users' requests run.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Receive, Scope, Send

from behflow_server.api.middleware import send_error
from behflow_server.errors import BehflowError

# A task list page longer than this is expensive (1,000 rows: ~45 ms of event-loop time,
# against ~10 ms for the default 50).
LARGE_PAGE = 200
RETRY_AFTER_SECONDS = 1

_API = "/api/v1"
_EXPENSIVE_POSTS = (
    re.compile(rf"{_API}/chat(/stream)?/?"),
    re.compile(rf"{_API}/tasks/bulk/[a-z_]+/?"),
    re.compile(rf"{_API}/webhooks/[^/]+/test/?"),
    re.compile(rf"{_API}/processes/[^/]+/run/?"),
    re.compile(rf"{_API}/import/?"),
)
_EXPENSIVE_GETS = (re.compile(rf"{_API}/export/?"),)
_TASK_LIST = re.compile(rf"{_API}/tasks/?")


def is_expensive(scope: Scope) -> bool:
    """Whether this request is one of the kinds that take long or hold a worker."""
    method, path = scope.get("method"), scope.get("path", "")
    if method == "POST":
        return any(pattern.fullmatch(path) for pattern in _EXPENSIVE_POSTS)
    if method == "GET" and any(pattern.fullmatch(path) for pattern in _EXPENSIVE_GETS):
        return True
    if method == "GET" and _TASK_LIST.fullmatch(path):
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        try:
            return max((int(v) for v in query.get("limit", ())), default=0) > LARGE_PAGE
        except ValueError:
            return False  # the route answers 422
    return False


class PerUserSlots:
    """At most `limit` holders per user at once; a newcomer waits up to `wait_seconds`."""

    def __init__(self, limit: int, wait_seconds: float) -> None:
        self.limit = limit
        self.wait_seconds = wait_seconds
        # One semaphore per user with a holder or waiter; dropped when the last one leaves.
        self._slots: dict[uuid.UUID, tuple[asyncio.Semaphore, list[int]]] = {}

    @asynccontextmanager
    async def slot(self, user_id: uuid.UUID) -> AsyncIterator[None]:
        semaphore, users = self._slots.setdefault(user_id, (asyncio.Semaphore(self.limit), [0]))
        users[0] += 1
        try:
            try:
                async with asyncio.timeout(self.wait_seconds or None):
                    if self.wait_seconds or not semaphore.locked():
                        await semaphore.acquire()
                    else:
                        raise TimeoutError
            except TimeoutError:
                raise TooManyConcurrentRequests(self.limit) from None
            try:
                yield
            finally:
                semaphore.release()
        finally:
            users[0] -= 1
            if not users[0]:
                del self._slots[user_id]


class TooManyConcurrentRequests(BehflowError):
    status = 429
    code = "too_many_concurrent_requests"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"You already have {limit} large requests (big lists, exports, imports, bulk"
            " changes, chat, webhook tests, process runs) running; wait for one to finish.",
            details={"retry_after": RETRY_AFTER_SECONDS, "limit": limit},
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )


class ExpensiveRequestLimitMiddleware:
    """Holds each user's expensive requests to their slots for as long as the response runs
    (a streamed chat reply included). Requests without a valid token pass through: the route
    answers them 401 without doing the expensive part."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int,
        wait_seconds: float,
        user_of: Callable[[str], uuid.UUID | None],
    ) -> None:
        self.app = app
        self.slots = PerUserSlots(limit, wait_seconds)
        self.user_of = user_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_expensive(scope):
            await self.app(scope, receive, send)
            return
        user_id = self._user(scope)
        if user_id is None:
            await self.app(scope, receive, send)
            return
        try:
            async with self.slots.slot(user_id):
                await self.app(scope, receive, send)
        except TooManyConcurrentRequests as error:
            await send_error(send, error)

    def _user(self, scope: Scope) -> uuid.UUID | None:
        for name, value in scope.get("headers", []):
            if name == b"authorization":
                scheme, _, token = value.decode("latin-1").partition(" ")
                if scheme.lower() == "bearer" and token.strip():
                    return self.user_of(token.strip())
        return None

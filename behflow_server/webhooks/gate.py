"""A bound on synchronous webhook tests: each one waits on a receiver for up to the webhook
time-out, so an unbounded number of them would hold every worker thread and starve the
server (45 at once made /health take 9 s). At most `webhook_tests_concurrency` run at once in
this process and `webhook_tests_per_user` per account; past either the request is answered
at once (429 for the account's own limit, 503 busy for the server's) instead of queueing."""

from __future__ import annotations

import math
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from typing import TypeVar

from starlette.concurrency import run_in_threadpool

from behflow_server.errors import RateLimited, ServiceUnavailable

T = TypeVar("T")


class WebhookTestsBusy(ServiceUnavailable):
    code = "busy"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "The server is running as many webhook tests as it allows; try again shortly.",
            details={"retry_after": retry_after},
            headers={"Retry-After": str(retry_after)},
        )


class TestGate:
    __test__ = False  # not a pytest class

    def __init__(self, concurrency: int, per_user: int, timeout_seconds: float) -> None:
        self.concurrency = concurrency
        self.per_user = per_user
        self.retry_after = max(1, math.ceil(timeout_seconds))
        self._lock = threading.Lock()
        self._users: Counter[uuid.UUID] = Counter()
        self._running = 0

    async def run(self, user_id: uuid.UUID, func: Callable[[], T]) -> T:
        """Run `func` (one test delivery) in a worker thread if both limits allow it now."""
        with self._lock:
            if self._users[user_id] >= self.per_user:
                raise RateLimited(
                    "A webhook test of yours is still waiting on its receiver; try again when "
                    "it has answered.",
                    retry_after=self.retry_after,
                )
            if self._running >= self.concurrency:
                raise WebhookTestsBusy(self.retry_after)
            self._users[user_id] += 1
            self._running += 1
        try:
            return await run_in_threadpool(func)
        finally:
            with self._lock:
                self._running -= 1
                self._users[user_id] -= 1
                if not self._users[user_id]:
                    del self._users[user_id]

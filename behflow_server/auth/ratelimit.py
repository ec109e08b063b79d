"""Failed-login limiter (a sliding window per client address and per username), and the
per-address registration limiter.

Kept in process memory: each replica limits on its own, which bounds a guesser to
(replicas x limit) attempts per window. Good enough for a self-hosted server.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from behflow_server.errors import RateLimited


class LoginRateLimiter:
    def __init__(
        self,
        max_failures: int,
        window_seconds: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, ip: str, username: str) -> None:
        """Raise RateLimited if either key has used up its failures in the window."""
        now = self.clock()
        with self._lock:
            for key in self._keys(ip, username):
                failures = self._recent(key, now)
                if len(failures) >= self.max_failures:
                    retry_after = max(1, math.ceil(failures[0] + self.window - now))
                    raise RateLimited(
                        "Too many failed logins; try again later.", retry_after=retry_after
                    )

    def record_failure(self, ip: str, username: str) -> None:
        now = self.clock()
        with self._lock:
            for key in self._keys(ip, username):
                self._failures.setdefault(key, deque()).append(now)
            if len(self._failures) > 100_000:
                self._prune(now)

    def reset(self, username: str) -> None:
        with self._lock:
            self._failures.pop(f"user:{username.lower()}", None)

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.get(key)
        if failures is None:
            return deque()
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def _prune(self, now: float) -> None:
        for key in [k for k, v in self._failures.items() if not v or v[-1] <= now - self.window]:
            del self._failures[key]

    @staticmethod
    def _keys(ip: str, username: str) -> tuple[str, str]:
        return f"ip:{ip}", f"user:{username.lower()}"


class AddressRateLimiter:
    """At most `limit` events (registrations) per client address in a sliding window.

    `hit` checks and records in one step, so a concurrent burst from one address cannot all
    pass the check before any of it is counted. In process memory, like the login limiter.
    """

    def __init__(
        self,
        limit: int,
        window_seconds: int,
        message: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window_seconds
        self.message = message
        self.clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, ip: str) -> None:
        """Count one event for `ip`; raise RateLimited if it has used up its window."""
        now = self.clock()
        with self._lock:
            events = self._events.setdefault(ip, deque())
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                retry_after = max(1, math.ceil(events[0] + self.window - now))
                raise RateLimited(self.message, retry_after=retry_after)
            events.append(now)
            if len(self._events) > 100_000:
                for key in [
                    k for k, v in self._events.items() if not v or v[-1] <= now - self.window
                ]:
                    del self._events[key]

    def refund(self, ip: str) -> None:
        """Take back the latest event of `ip` (its request was turned away for another reason)."""
        with self._lock:
            events = self._events.get(ip)
            if events:
                events.pop()

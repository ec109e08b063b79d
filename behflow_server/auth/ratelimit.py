"""Failed-attempt limits for passwords (login, password change), and the per-address
registration limiter.

Password attempts are counted in the store (table `login_attempts`), so every process and
replica on one database shares the count. An attempt is reserved before its password is hashed,
in one write transaction (row locks on PostgreSQL, BEGIN IMMEDIATE on SQLite): a parallel burst
cannot have more attempts evaluated than the limit allows. A reservation is released when the
password is right, counted as a failure when it is wrong, and handed back when the request never
got to the check (503 busy, an error).

Each key (username + address, password changes of one account, one address) allows
`max_failures` failed attempts; after that each further attempt must wait, and the wait doubles
with every failure (window / max_failures, then twice that, ... up to the window). A key is
forgotten after a window without failures. There is no per-username lock-out across addresses,
so somebody guessing elsewhere cannot lock the real user out.
"""

from __future__ import annotations

import hashlib
import math
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Field, SQLModel

from behflow_server import metrics
from behflow_server.db import UTCDateTime, table_of, utcnow
from behflow_server.errors import RateLimited

# A reservation whose request vanished (a killed process) stops counting after this long.
STALE_RESERVATION = timedelta(seconds=60)
KEY_LENGTH = 200


class LoginAttempt(SQLModel, table=True):
    """Failed password attempts of one key, and the attempts being checked right now."""

    __tablename__ = "login_attempts"

    key: str = Field(primary_key=True, max_length=KEY_LENGTH)
    failures: int = 0
    pending: int = 0
    last_failure_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # No attempt is allowed before this (set once failures reach the limit).
    blocked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reserved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


_TABLE = table_of(LoginAttempt)


@dataclass(frozen=True)
class Limit:
    """`max_failures` failed attempts for `key`, then a doubling wait up to `window_seconds`.

    `reset_on_success`: a right password clears the key's failures (username + address,
    account); an address key keeps them (one valid account must not clear the address).
    """

    key: str
    max_failures: int
    window_seconds: int
    reset_on_success: bool = True

    def delay(self, failures: int) -> timedelta:
        """The wait after `failures` failures (none below the limit)."""
        if failures < self.max_failures:
            return timedelta(0)
        base = self.window_seconds / self.max_failures
        excess = min(failures - self.max_failures, 32)
        return timedelta(seconds=min(self.window_seconds, base * 2**excess))


def limit_key(kind: str, *parts: str) -> str:
    key = f"{kind}:" + "|".join(parts)
    if len(key) <= KEY_LENGTH:
        return key
    return f"{kind}:sha256:" + hashlib.sha256(key.encode()).hexdigest()


@dataclass
class _State:
    failures: int
    pending: int
    last_failure_at: datetime | None
    blocked_until: datetime | None


class AttemptLimiter:
    """Reserves password attempts in the store; see the module docstring."""

    def __init__(self, engine: Engine, message: str = "Too many failed attempts.") -> None:
        self.engine = engine
        self.message = message

    def reserve(self, limits: Sequence[Limit]) -> Reservation:
        """Take one attempt on every key, or raise RateLimited (and take none)."""
        now = utcnow()
        ordered = sorted(limits, key=lambda limit: limit.key)
        with self._write() as connection:
            states = self._load(connection, ordered, now)
            waits = [self._refusal(limit, states[limit.key], now) for limit in ordered]
            refused = [wait for wait in waits if wait is not None]
            if refused:
                raise RateLimited(self.message, retry_after=max(refused))
            for limit in ordered:
                state = states[limit.key]
                self._store(
                    connection,
                    limit.key,
                    now,
                    failures=state.failures,
                    pending=state.pending + 1,
                    last_failure_at=state.last_failure_at,
                    blocked_until=state.blocked_until,
                    reserved_at=now,
                )
        if random.random() < 0.01:
            self.prune(max(limit.window_seconds for limit in ordered))
        return Reservation(self, ordered)

    def prune(self, window_seconds: int) -> int:
        """Forget keys quiet for two windows (and not reserved lately)."""
        horizon = utcnow() - max(timedelta(seconds=2 * window_seconds), STALE_RESERVATION)
        with self._write() as connection:
            result = connection.execute(sa.delete(_TABLE).where(_TABLE.c.updated_at < horizon))
        return int(result.rowcount or 0)

    def _finish(self, limits: Sequence[Limit], outcome: str) -> None:
        now = utcnow()
        with self._write() as connection:
            states = self._load(connection, limits, now)
            for limit in limits:
                state = states[limit.key]
                failures, last, blocked = state.failures, state.last_failure_at, state.blocked_until
                if outcome == "failure":
                    failures += 1
                    last = now
                    if failures >= limit.max_failures:
                        blocked = now + limit.delay(failures)
                elif outcome == "success" and limit.reset_on_success:
                    failures, last, blocked = 0, None, None
                self._store(
                    connection,
                    limit.key,
                    now,
                    failures=failures,
                    pending=max(0, state.pending - 1),
                    last_failure_at=last,
                    blocked_until=blocked,
                )

    @staticmethod
    def _refusal(limit: Limit, state: _State, now: datetime) -> int | None:
        """None when one more attempt may run now, else the seconds to wait."""
        if state.failures + state.pending < limit.max_failures:
            return None
        blocked = state.blocked_until
        waited = blocked is None or blocked <= now
        if state.failures >= limit.max_failures and state.pending == 0 and waited:
            return None  # one attempt after the wait
        if blocked is not None and blocked > now:
            return max(1, math.ceil((blocked - now).total_seconds()))
        return 1  # the attempts being checked right now use up the limit

    def _load(
        self, connection: Connection, limits: Sequence[Limit], now: datetime
    ) -> dict[str, _State]:
        """Lock (creating where missing) the keys' rows in key order; forget what has aged."""
        insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
        keys = sorted(limit.key for limit in limits)
        for key in keys:
            connection.execute(
                insert(_TABLE)
                .values(key=key, failures=0, pending=0, updated_at=now)
                .on_conflict_do_nothing(index_elements=["key"])
            )
        rows = connection.execute(
            sa.select(_TABLE).where(_TABLE.c.key.in_(keys)).order_by(_TABLE.c.key).with_for_update()
        ).mappings()
        by_key = {row["key"]: row for row in rows}
        states: dict[str, _State] = {}
        for limit in limits:
            row = by_key[limit.key]
            states[limit.key] = self._aged(limit, row, now)
        return states

    @staticmethod
    def _aged(limit: Limit, row: Any, now: datetime) -> _State:
        pending = int(row["pending"])
        reserved_at = row["reserved_at"]
        if pending and (reserved_at is None or reserved_at <= now - STALE_RESERVATION):
            pending = 0
        failures = int(row["failures"])
        last, blocked = row["last_failure_at"], row["blocked_until"]
        if failures and last is not None:
            quiet_from = max(last, blocked) if blocked is not None else last
            if now >= quiet_from + timedelta(seconds=limit.window_seconds):
                failures, last, blocked = 0, None, None
        return _State(failures, pending, last, blocked)

    @staticmethod
    def _store(connection: Connection, key: str, now: datetime, **values: object) -> None:
        connection.execute(
            sa.update(_TABLE).where(_TABLE.c.key == key).values(updated_at=now, **values)
        )

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction: on SQLite taken with BEGIN IMMEDIATE, so the read that
        decides and the write that records cannot interleave with another process."""
        with self.engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.rollback()
                raise
            connection.commit()


class Reservation:
    """One reserved attempt: end it with succeeded(), failed() or cancel() (close() cancels
    unless it was ended already)."""

    def __init__(self, limiter: AttemptLimiter, limits: Sequence[Limit]) -> None:
        self._limiter = limiter
        self._limits = list(limits)
        self._done = False
        self._lock = threading.Lock()

    def succeeded(self) -> None:
        self._end("success")

    def failed(self) -> None:
        metrics.login_failure()
        self._end("failure")

    def cancel(self) -> None:
        self._end("cancel")

    def close(self) -> None:
        self._end("cancel")

    def _end(self, outcome: str) -> None:
        with self._lock:
            if self._done:
                return
            self._done = True
        self._limiter._finish(self._limits, outcome)


class AddressRateLimiter:
    """At most `limit` events (registrations) per client address in a sliding window.

    `hit` checks and records in one step, so a concurrent burst from one address cannot all
    pass the check before any of it is counted. Kept in process memory (per replica).
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

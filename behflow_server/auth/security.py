"""Password hashing (pwdlib, Argon2), the gate that bounds it, and JWT access tokens (PyJWT)."""

from __future__ import annotations

import asyncio
import functools
import math
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from pwdlib import PasswordHash
from starlette.concurrency import run_in_threadpool

from behflow_server.auth.jwtlib import jwt
from behflow_server.db import utcnow
from behflow_server.errors import ServiceUnavailable, Unauthorized

T = TypeVar("T")

ALGORITHM = "HS256"
_hasher = PasswordHash.recommended()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when a username does not exist, so timing does not reveal which
    usernames do. Made on first use: an Argon2 hash at import cost every start ~0.1 s."""
    return _hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        _hasher.verify(password, _dummy_hash())
        return False
    return _hasher.verify(password, password_hash)


class HashingBusy(ServiceUnavailable):
    """503: every password-hashing slot stayed taken for the whole allowed wait."""

    code = "busy"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "The server is busy checking other passwords; try again in a moment.",
            details={"retry_after": retry_after},
            headers={"Retry-After": str(retry_after)},
        )
        self.retry_after = retry_after


class PasswordGate:
    """At most `concurrency` password hashes or checks at once in this process.

    Argon2 takes 64 MiB for each hash, so an unbounded burst of registrations or logins
    multiplies resident memory and starves every other request of CPU. A request waits on
    the event loop (not in a worker thread) for up to `wait_seconds`; when no slot frees in
    time, or `max_waiting` requests are already waiting, it is answered 503 busy with
    Retry-After instead of joining an unbounded queue.
    """

    def __init__(
        self, concurrency: int, wait_seconds: float, max_waiting: int | None = None
    ) -> None:
        self.concurrency = concurrency
        self.wait_seconds = wait_seconds
        self.max_waiting = max_waiting if max_waiting is not None else 8 * concurrency
        self._slots = threading.BoundedSemaphore(concurrency)
        self._lock = threading.Lock()
        self._waiting = 0

    async def run(self, func: Callable[[], T]) -> T:
        """Run `func` (which hashes or checks a password) in a worker thread, inside a slot."""
        await self._acquire()
        try:
            # Not abandoned on cancellation: the slot is held until the hash really ends.
            return await run_in_threadpool(func)
        finally:
            self._slots.release()

    async def _acquire(self) -> None:
        if self._slots.acquire(blocking=False):
            return
        with self._lock:
            if self._waiting >= self.max_waiting:
                raise self._busy()
            self._waiting += 1
        try:
            deadline = time.monotonic() + self.wait_seconds
            delay = 0.002
            while True:
                await asyncio.sleep(delay)
                if self._slots.acquire(blocking=False):
                    return
                if time.monotonic() >= deadline:
                    raise self._busy()
                delay = min(delay * 2, 0.05)
        finally:
            with self._lock:
                self._waiting -= 1

    def _busy(self) -> HashingBusy:
        return HashingBusy(retry_after=max(1, math.ceil(self.wait_seconds)))


@dataclass(frozen=True)
class TokenClaims:
    user_id: uuid.UUID
    jti: str
    version: int
    expires_at: datetime


@dataclass(frozen=True)
class TokenIssuer:
    secret_key: str
    ttl: timedelta

    def issue(self, user_id: uuid.UUID, version: int) -> tuple[str, datetime]:
        now = utcnow()
        expires_at = now + self.ttl
        claims = {
            "sub": str(user_id),
            "jti": secrets.token_hex(16),
            "ver": version,
            "iat": now,
            "exp": expires_at,
        }
        return jwt.encode(claims, self.secret_key, algorithm=ALGORITHM), expires_at.replace(
            microsecond=0
        )

    def decode(self, token: str) -> TokenClaims:
        try:
            claims = jwt.decode(
                token,
                self.secret_key,
                algorithms=[ALGORITHM],
                options={"require": ["sub", "jti", "exp", "ver"]},
            )
            return TokenClaims(
                user_id=uuid.UUID(claims["sub"]),
                jti=str(claims["jti"]),
                version=int(claims["ver"]),
                expires_at=datetime.fromtimestamp(claims["exp"], tz=utcnow().tzinfo),
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized(
                "Your session has expired; log in again.", code="token_expired"
            ) from None
        except (jwt.InvalidTokenError, ValueError, TypeError):
            raise Unauthorized(
                "The access token is not valid; log in again.", code="invalid_token"
            ) from None

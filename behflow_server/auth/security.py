"""Password hashing (pwdlib, Argon2) and JWT access tokens (PyJWT)."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from pwdlib import PasswordHash

from behflow_server.db import utcnow
from behflow_server.errors import Unauthorized

ALGORITHM = "HS256"
_hasher = PasswordHash.recommended()
# Verified against when a username does not exist, so timing does not reveal which usernames do.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        _hasher.verify(password, _DUMMY_HASH)
        return False
    return _hasher.verify(password, password_hash)


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

"""Pending actions an MCP client confirms with a second call: signed, per user, short-lived.

A delete, or a change to several tasks, first comes back as a pending action with a
confirmation id; calling the same tool again with that id carries out exactly what was shown.
The id is a JWT (pyjwt, already used for access tokens) signed with a key derived from the
server's secret, so it needs no table, works on every replica and cannot pass as an access
token. It names the user, the tool, the pinned arguments and each task's `updated_at` when it
was proposed: a task changed since (including by the confirmed call itself) makes the id stale,
so an id can be used once and never acts on something the user did not see.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic_core import to_jsonable_python
from sqlmodel import Session

from behflow_server.auth.jwtlib import jwt
from behflow_server.auth.models import User
from behflow_server.db import utcnow
from behflow_server.errors import Conflict, InvalidInput, NotFound
from behflow_server.tasks import service

TTL = timedelta(minutes=10)
_ALGORITHM = "HS256"
_PURPOSE = "behflow-mcp-confirmation"


@dataclass(frozen=True)
class Pending:
    """What a confirmation id stands for: an agent tool call, pinned to numbered tasks."""

    tool: str
    agent_tool: str
    args: dict[str, Any]


@dataclass(frozen=True)
class Issued:
    confirmation_id: str
    expires_at: datetime


class Confirmations:
    def __init__(self, secret_key: str) -> None:
        # Never the access-token key itself: a confirmation id must not verify as a login.
        self._key = hmac.new(secret_key.encode(), _PURPOSE.encode(), hashlib.sha256).hexdigest()

    def issue(self, session: Session, user: User, pending: Pending) -> Issued:
        numbers = pending.args.get("numbers") or []
        versions = {
            str(n): service.get_task(session, user, n).updated_at.isoformat() for n in numbers
        }
        expires_at = utcnow() + TTL
        claims = {
            "aud": _PURPOSE,
            "sub": str(user.id),
            "tool": pending.tool,
            "agent_tool": pending.agent_tool,
            "args": to_jsonable_python({k: v for k, v in pending.args.items() if v is not None}),
            "versions": versions,
            "exp": expires_at,
        }
        token = jwt.encode(claims, self._key, algorithm=_ALGORITHM)
        return Issued(token, expires_at.replace(microsecond=0))

    def open(self, session: Session, user: User, tool: str, confirmation_id: str) -> Pending:
        """The pending action behind `confirmation_id`, if it is this user's, for this tool,
        unexpired and its tasks unchanged; otherwise InvalidInput/Conflict saying what to do."""
        try:
            claims = jwt.decode(
                confirmation_id,
                self._key,
                algorithms=[_ALGORITHM],
                audience=_PURPOSE,
                options={"require": ["sub", "exp", "tool", "agent_tool", "args", "versions"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidInput(
                f"This confirmation id has expired (they last {TTL.seconds // 60} minutes): "
                f"call {tool} again without confirmation_id to get a new one.",
                code="confirmation_expired",
            ) from None
        except jwt.InvalidTokenError:
            raise InvalidInput(
                "This confirmation id is not valid: use the confirmation_id returned by the "
                "call that asked for confirmation.",
                code="invalid_confirmation",
            ) from None
        if claims["sub"] != str(user.id):
            raise InvalidInput(
                "This confirmation id is not valid: use the confirmation_id returned by the "
                "call that asked for confirmation.",
                code="invalid_confirmation",
            )
        if claims["tool"] != tool:
            raise InvalidInput(
                f"This confirmation id belongs to {claims['tool']}, not {tool}: call "
                f"{claims['tool']} with it.",
                code="invalid_confirmation",
            )
        for number, version in claims["versions"].items():
            try:
                current = service.get_task(session, user, int(number)).updated_at.isoformat()
            except NotFound:
                current = None
            if current != version:
                raise Conflict(
                    f"Task #{number} changed after this was proposed, so nothing was done: "
                    f"call {tool} again without confirmation_id to see what it would do now.",
                    code="confirmation_stale",
                )
        return Pending(tool=tool, agent_tool=claims["agent_tool"], args=claims["args"])

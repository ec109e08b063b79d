"""What one running app holds: settings, the store, token issuer, limiter. Built by create_app."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from behflow_server.auth.ratelimit import LoginRateLimiter
from behflow_server.auth.security import TokenIssuer
from behflow_server.config import Settings
from behflow_server.db import Database


@dataclass
class AppContext:
    settings: Settings
    db: Database
    tokens: TokenIssuer
    login_limiter: LoginRateLimiter
    # Later parts (event bus, scheduler, agent) hang their long-lived objects here.
    services: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> AppContext:
        return cls(
            settings=settings,
            db=Database(
                settings.resolved_database_url,
                pool_size=settings.db_pool_size,
                sqlite_synchronous=settings.sqlite_synchronous,
                statement_timeout=settings.db_statement_timeout_seconds,
            ),
            tokens=TokenIssuer(
                secret_key=settings.resolve_secret_key(),
                ttl=timedelta(minutes=settings.token_ttl_minutes),
            ),
            login_limiter=LoginRateLimiter(
                settings.login_max_failures, settings.login_window_seconds
            ),
        )

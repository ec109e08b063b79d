"""What one running app holds: settings, the store, token issuer, and its long-lived parts.

Built by create_app; the lifespan fills in the parts it starts (live events, webhooks, the
scheduler); the agent and the password guards are built on first use. Every field is typed, so
a route or a test reaches each part by name, not by a string key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from behflow_server.auth.security import TokenIssuer
from behflow_server.config import Settings
from behflow_server.db import Database, utcnow

if TYPE_CHECKING:
    from behflow_server.auth.ratelimit import AddressRateLimiter, AttemptLimiter
    from behflow_server.auth.security import PasswordGate
    from behflow_server.chat.service import Agent
    from behflow_server.events.live import LiveEvents
    from behflow_server.scheduler import Scheduler
    from behflow_server.webhooks.delivery import WebhookDispatcher
    from behflow_server.webhooks.gate import TestGate

Clock = Callable[[], datetime]


@dataclass
class AppContext:
    settings: Settings
    db: Database
    tokens: TokenIssuer
    # What "now" is for routes and jobs that take a clock; tests may replace it.
    clock: Clock = utcnow
    # Started by the lifespan (None outside it).
    live_events: LiveEvents | None = None
    webhooks: WebhookDispatcher | None = None
    scheduler: Scheduler | None = None
    # Built on first use: langgraph/langchain are slow imports, and the guards need the loop.
    agent: Agent | None = None
    password_gate: PasswordGate | None = None
    registration_limiter: AddressRateLimiter | None = None
    attempt_limiter: AttemptLimiter | None = None
    webhook_test_gate: TestGate | None = None

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
        )

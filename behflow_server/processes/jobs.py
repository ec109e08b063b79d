"""The built-in process kinds. Each is a thin caller of a service; the scheduler runs them.

A kind names its config settings (checked when a process is saved) and what it needs: user
kinds act for the process's owner, system kinds for the whole server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from behflow_server.auth import service as auth_service
from behflow_server.auth.models import User
from behflow_server.config import Settings
from behflow_server.errors import InvalidInput
from behflow_server.processes import analytics, cleanup
from behflow_server.processes.models import AutomatedProcess
from behflow_server.tasks import history, overdue, reminders


@dataclass
class JobContext:
    session: Session
    process: AutomatedProcess
    owner: User | None
    now: datetime
    zone: ZoneInfo
    settings: Settings

    @property
    def user(self) -> User:
        if self.owner is None:
            raise RuntimeError(f"process {self.process.name!r} has no owner")
        return self.owner


ConfigCheck = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Kind:
    name: str
    description: str
    run: Callable[[JobContext], dict[str, Any]]
    check_config: ConfigCheck
    system: bool = False


def _no_config(kind: str) -> ConfigCheck:
    def check(config: dict[str, Any]) -> dict[str, Any]:
        if config:
            raise InvalidInput(
                f"{kind} takes no config settings (got {', '.join(sorted(config))}).",
                code="invalid_config",
                details={"field": "config"},
            )
        return {}

    return check


def _whole(config: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = config.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidInput(
            f"reminders config: {key} must be a whole number from {low} to {high}.",
            code="invalid_config",
            details={"field": "config"},
        )
    return value


def _reminders_config(config: dict[str, Any]) -> dict[str, Any]:
    unknown = set(config) - {"lead_minutes", "window_hours"}
    if unknown:
        raise InvalidInput(
            f"reminders config: unknown setting(s) {', '.join(sorted(unknown))}.",
            code="invalid_config",
            details={"field": "config"},
        )
    return {
        "lead_minutes": _whole(config, "lead_minutes", 15, 0, 7 * 24 * 60),
        "window_hours": _whole(config, "window_hours", 24, 1, 30 * 24),
    }


def _run_reschedule(ctx: JobContext) -> dict[str, Any]:
    policy = overdue.OverduePolicy.from_config(ctx.process.config)
    moved = overdue.reschedule_overdue(ctx.session, ctx.user, policy, ctx.now, ctx.zone)
    return {"moved": moved, "count": len(moved)}


def _run_reminders(ctx: JobContext) -> dict[str, Any]:
    config = _reminders_config(ctx.process.config)
    sent = reminders.send_due_reminders(
        ctx.session,
        ctx.user,
        ctx.now,
        lead=timedelta(minutes=config["lead_minutes"]),
        window=timedelta(hours=config["window_hours"]),
        settings=ctx.settings,
    )
    return {"reminded": sent, "count": len(sent)}


def _run_cleanup(ctx: JobContext) -> dict[str, Any]:
    expired = cleanup.expire_idle_chat_sessions(
        ctx.session, ctx.now, timedelta(hours=ctx.settings.chat_session_ttl_hours)
    )
    revocations = auth_service.purge_expired_revocations(ctx.session)
    horizon = ctx.now - timedelta(days=ctx.settings.events_retention_days)
    events = cleanup.purge_old_events(ctx.session, horizon)
    executions = cleanup.purge_old_executions(ctx.session, horizon)
    changesets = history.prune(
        ctx.session, ctx.now - timedelta(days=ctx.settings.history_retention_days)
    )
    return {
        "purged_changesets": changesets,
        "expired_chat_sessions": expired,
        "purged_revocations": revocations,
        "purged_events": events,
        "purged_executions": executions,
        "count": expired + revocations + events + executions + changesets,
    }


def _run_analytics(ctx: JobContext) -> dict[str, Any]:
    days = analytics.record_daily_stats(ctx.session, ctx.user, ctx.now, ctx.zone)
    return {"days": days, "count": 0}


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "reschedule_overdue",
            "Move overdue open tasks forward (policy: today at a time, or plus whole days).",
            _run_reschedule,
            lambda config: overdue.OverduePolicy.from_config(config).as_config(),
        ),
        Kind(
            "reminders",
            "Announce reminders (remind_at, or due minus lead_minutes) once each.",
            _run_reminders,
            _reminders_config,
        ),
        Kind(
            "analytics",
            "Store daily figures: created, completed, overdue, time to complete, streak.",
            _run_analytics,
            _no_config("analytics"),
        ),
        Kind(
            "session_cleanup",
            "Expire idle chat sessions; purge expired revocations, old events and old runs.",
            _run_cleanup,
            _no_config("session_cleanup"),
            system=True,
        ),
    )
}


def get_kind(name: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None:
        raise InvalidInput(
            f"Unknown process kind {name!r}; use one of {', '.join(sorted(KINDS))}.",
            code="unknown_kind",
            details={"field": "kind"},
        )
    return kind

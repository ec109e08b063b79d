"""Moving overdue open tasks forward by the owner's policy (the reschedule_overdue process)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from behflow_server.auth.models import User
from behflow_server.errors import InvalidInput
from behflow_server.tasks import service
from behflow_server.tasks.models import Task
from behflow_server.tasks.query import is_overdue

POLICIES = ("today", "plus_days")


@dataclass(frozen=True)
class OverduePolicy:
    """`today`: to today at `at` (tomorrow when that has passed); `plus_days`: the due time
    moved by whole days, keeping its local time of day, until it is in the future."""

    kind: str = "today"
    at: time = time(9, 0)
    days: int = 1

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> OverduePolicy:
        unknown = set(config) - {"policy", "time", "days"}
        if unknown:
            raise _bad(f"unknown setting(s) {', '.join(sorted(unknown))}")
        kind = config.get("policy", "today")
        if kind not in POLICIES:
            raise _bad(f"policy must be one of {', '.join(POLICIES)}")
        raw_time = config.get("time", "09:00")
        try:
            at = time.fromisoformat(str(raw_time))
        except ValueError:
            raise _bad(f"time must look like 09:00, not {raw_time!r}") from None
        days = config.get("days", 1)
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 365:
            raise _bad("days must be a whole number from 1 to 365")
        return cls(kind=kind, at=at, days=days)

    def as_config(self) -> dict[str, Any]:
        return {"policy": self.kind, "time": self.at.strftime("%H:%M"), "days": self.days}

    def new_due(self, due: datetime, now: datetime, zone: ZoneInfo) -> datetime:
        local_now = now.astimezone(zone)
        if self.kind == "today":
            target = datetime.combine(local_now.date(), self.at, tzinfo=zone)
            if target <= local_now:
                target = datetime.combine(local_now.date() + timedelta(days=1), self.at, zone)
            return target.astimezone(UTC)
        local_due = due.astimezone(zone)
        day = local_due.date()
        while True:
            day += timedelta(days=self.days)
            target = datetime.combine(day, local_due.timetz().replace(tzinfo=None), zone)
            if target > local_now:
                return target.astimezone(UTC)


def _bad(reason: str) -> InvalidInput:
    return InvalidInput(
        f"reschedule_overdue config: {reason}.", code="invalid_config", details={"field": "config"}
    )


MOVED_BY = "reschedule_overdue"


def overdue_tasks(session: Session, user: User, now: datetime) -> list[Task]:
    return list(
        session.exec(
            select(Task)
            .where(col(Task.user_id) == user.id, col(Task.archived_at).is_(None), is_overdue(now))
            .order_by(col(Task.number))
        )
    )


def reschedule_overdue(
    session: Session, user: User, policy: OverduePolicy, now: datetime, zone: ZoneInfo
) -> list[dict[str, Any]]:
    """Move each overdue open task (its reminder and end with it, the user's own due date kept
    in original_due_at); returns what moved (number, from, to)."""
    moved: list[dict[str, Any]] = []
    for task in overdue_tasks(session, user, now):
        assert task.due_at is not None
        old = task.due_at
        new = policy.new_due(old, now, zone)
        service.reschedule(session, user, task.number, new, by=MOVED_BY, zone=zone)
        moved.append({"number": task.number, "from": old.isoformat(), "to": new.isoformat()})
    return moved

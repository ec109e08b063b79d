"""Per-user daily figures: created, completed, overdue at the day's end, mean time to complete,
and the streak of days with at least one completion. Days are the owner's local days.

Every figure can be recomputed from the task rows (overdue counts tasks whose due time had
passed, that existed and were neither completed nor archived at the day's end), so the
analytics process stores snapshots in `daily_stats` and the stats endpoint fills any day
without one from the tasks themselves.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from behflow_server.auth.models import User
from behflow_server.processes.models import DailyStat, DayFigures, StatsPublic
from behflow_server.tasks.models import Task, TaskStatus

MAX_DAYS = 366


def _start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def _local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def compute_days(
    session: Session, user: User, first: date, last: date, now: datetime, zone: ZoneInfo
) -> list[DayFigures]:
    """Figures for each local day from `first` to `last` (inclusive), read from the tasks."""
    begin = _start(first, zone)
    end = _start(last + timedelta(days=1), zone)
    created: dict[date, int] = {}
    for (moment,) in session.execute(
        sa.select(col(Task.created_at)).where(
            col(Task.user_id) == user.id, col(Task.created_at) >= begin, col(Task.created_at) < end
        )
    ):
        created[_local_day(moment, zone)] = created.get(_local_day(moment, zone), 0) + 1
    durations: dict[date, list[float]] = {}
    for made, done in session.execute(
        sa.select(col(Task.created_at), col(Task.completed_at)).where(
            col(Task.user_id) == user.id,
            col(Task.status) == TaskStatus.completed.value,
            col(Task.completed_at) >= begin,
            col(Task.completed_at) < end,
        )
    ):
        hours = max((done - made).total_seconds(), 0.0) / 3600
        durations.setdefault(_local_day(done, zone), []).append(hours)
    # Tasks that could count as overdue at some day's end in the range.
    late = session.execute(
        sa.select(
            col(Task.due_at), col(Task.created_at), col(Task.completed_at), col(Task.archived_at)
        ).where(
            col(Task.user_id) == user.id,
            col(Task.due_at).is_not(None),
            col(Task.due_at) < sa.func.coalesce(col(Task.completed_at), end),
            col(Task.due_at) < end,
            sa.or_(col(Task.completed_at).is_(None), col(Task.completed_at) >= begin),
            sa.or_(col(Task.archived_at).is_(None), col(Task.archived_at) >= begin),
        )
    ).all()
    figures: list[DayFigures] = []
    day = first
    while day <= last:
        cutoff = min(_start(day + timedelta(days=1), zone), now)
        overdue = sum(
            1
            for due, made, done, archived in late
            if due < cutoff
            and made < cutoff
            and (done is None or done >= cutoff)
            and (archived is None or archived >= cutoff)
        )
        hours = durations.get(day, [])
        figures.append(
            DayFigures(
                day=day.isoformat(),
                created=created.get(day, 0),
                completed=len(hours),
                overdue=overdue,
                mean_hours_to_complete=round(sum(hours) / len(hours), 2) if hours else None,
            )
        )
        day += timedelta(days=1)
    return figures


def streak(session: Session, user: User, now: datetime, zone: ZoneInfo) -> int:
    """Consecutive local days with a completion, ending today (or yesterday, before the
    first completion of today)."""
    today = _local_day(now, zone)
    since = _start(today - timedelta(days=MAX_DAYS), zone)
    days = {
        _local_day(done, zone)
        for (done,) in session.execute(
            sa.select(col(Task.completed_at)).where(
                col(Task.user_id) == user.id,
                col(Task.status) == TaskStatus.completed.value,
                col(Task.completed_at) >= since,
            )
        )
    }
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count


def record_daily_stats(session: Session, user: User, now: datetime, zone: ZoneInfo) -> list[str]:
    """Store (or refresh) the snapshots of yesterday and today; returns the days written."""
    today = _local_day(now, zone)
    run_streak = streak(session, user, now, zone)
    written: list[str] = []
    for figures in compute_days(session, user, today - timedelta(days=1), today, now, zone):
        row = session.exec(
            select(DailyStat).where(
                col(DailyStat.user_id) == user.id, col(DailyStat.day) == figures.day
            )
        ).first()
        data = {**figures.model_dump(exclude={"day"}), "streak": run_streak}
        if figures.day != today.isoformat():
            data.pop("streak")
        if row is None:
            row = DailyStat(user_id=user.id, day=figures.day)
        row.figures = data
        row.computed_at = now
        session.add(row)
        written.append(figures.day)
    session.commit()
    return written


def stats(session: Session, user: User, days: int, now: datetime, zone: ZoneInfo) -> StatsPublic:
    """The last `days` local days (today included): stored snapshots for finished days, the
    tasks themselves for today and any day without one."""
    today = _local_day(now, zone)
    first = today - timedelta(days=days - 1)
    live = {f.day: f for f in compute_days(session, user, first, today, now, zone)}
    stored = session.exec(
        select(DailyStat).where(
            col(DailyStat.user_id) == user.id,
            col(DailyStat.day) >= first.isoformat(),
            col(DailyStat.day) < today.isoformat(),
        )
    ).all()
    for row in stored:
        # A snapshot computed after its day ended is final; an earlier one is partial.
        if row.computed_at >= _start(date.fromisoformat(row.day) + timedelta(days=1), zone):
            live[row.day] = DayFigures.model_validate(
                {
                    "day": row.day,
                    **{
                        key: row.figures.get(key)
                        for key in ("created", "completed", "overdue", "mean_hours_to_complete")
                    },
                }
            )
    now_open = session.execute(
        sa.select(
            sa.func.count(), sa.func.count(col(Task.id)).filter(col(Task.due_at) < now)
        ).where(
            col(Task.user_id) == user.id,
            col(Task.status) != TaskStatus.completed.value,
            col(Task.archived_at).is_(None),
        )
    ).one()
    return StatsPublic(
        timezone=zone.key,
        days=[live[key] for key in sorted(live)],
        streak=streak(session, user, now, zone),
        open=int(now_open[0]),
        overdue=int(now_open[1]),
    )

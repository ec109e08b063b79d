"""Process schedules: five-field cron expressions or intervals ("every 15m"), in a time zone.

Cron fields are read by APScheduler's CronTrigger in the owner's zone, so "0 9 * * *" is 09:00
local on both sides of a DST change. Intervals are anchored to the Unix epoch rather than to
the moment a process was saved: every replica then computes the same slots, which is what lets
the execution log's unique (process, slot) pair decide who runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from behflow_server.errors import InvalidInput

_INTERVAL = re.compile(
    r"^every\s+(\d+)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?)$"
)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Schedule:
    text: str
    zone: ZoneInfo
    interval: timedelta | None = None
    cron: CronTrigger | None = None

    def next_after(self, moment: datetime) -> datetime:
        """The first slot strictly after `moment` (aware), in UTC."""
        if self.interval is not None:
            step = self.interval.total_seconds()
            elapsed = (moment - _EPOCH).total_seconds()
            slots = int(elapsed // step) + 1
            return _EPOCH + timedelta(seconds=slots * step)
        assert self.cron is not None
        # CronTrigger returns the first fire time at or after its argument.
        start = moment.astimezone(self.zone).replace(microsecond=0) + timedelta(seconds=1)
        fire = self.cron.get_next_fire_time(None, start)
        if fire is None:
            raise InvalidInput(f"The schedule {self.text!r} never fires.", code="invalid_schedule")
        fired: datetime = fire.astimezone(UTC)
        return fired


def _error(text: str, reason: str) -> InvalidInput:
    return InvalidInput(
        f"Invalid schedule {text!r}: {reason}. Use a cron expression like '0 9 * * 1-5' "
        "or an interval like 'every 15m'.",
        code="invalid_schedule",
        details={"field": "schedule"},
    )


def parse_schedule(text: str, zone: ZoneInfo, *, min_interval_seconds: int = 60) -> Schedule:
    """Read a schedule; raises InvalidInput with a readable reason."""
    clean = " ".join(text.strip().lower().split())
    match = _INTERVAL.match(clean)
    if match:
        amount = int(match.group(1))
        seconds = amount * _UNIT_SECONDS[match.group(2)[0]]
        if seconds < min_interval_seconds:
            raise _error(text, f"the shortest interval is {min_interval_seconds} seconds")
        if seconds > 366 * 86400:
            raise _error(text, "the longest interval is 366 days")
        return Schedule(clean, zone, interval=timedelta(seconds=seconds))
    if clean.startswith("every"):
        raise _error(text, "intervals look like 'every 30s', 'every 15m', 'every 2h', 'every 1d'")
    if len(clean.split(" ")) != 5:
        raise _error(text, "a cron expression has five fields (minute hour day month weekday)")
    try:
        trigger = CronTrigger.from_crontab(clean, timezone=zone)
    except (ValueError, TypeError) as exc:
        raise _error(text, str(exc)) from None
    return Schedule(clean, zone, cron=trigger)

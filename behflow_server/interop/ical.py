"""A user's tasks as an iCalendar file (RFC 5545), built with the `icalendar` package.

Each task is a VTODO: SUMMARY, DESCRIPTION, DUE (a date for all-day tasks, Behflow's 23:59),
DTSTART for tasks that span time or repeat, PRIORITY (urgent and high 1, medium 5, low 9),
STATUS (NEEDS-ACTION, IN-PROCESS, COMPLETED with COMPLETED and PERCENT-COMPLETE), CATEGORIES
(the tags), RRULE, and a VALARM at the reminder. Calendars that ignore VTODO (Google Calendar
among them) can ask for `events`: then each dated task is a VEVENT instead, over its span (or
half an hour, or its whole day when it is all day). Times are in the user's zone, with
VTIMEZONE components, so a repeat keeps its wall-clock time across daylight-saving changes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Todo, vRecur

from behflow_server.interop.records import is_all_day
from behflow_server.tasks.models import TaskPriority, TaskPublic, TaskStatus
from behflow_server.tasks.recurrence import split_mode

PRODID = "-//Behflow//Calendar feed//EN"
PRIORITY = {
    TaskPriority.urgent: 1,
    TaskPriority.high: 1,
    TaskPriority.medium: 5,
    TaskPriority.low: 9,
}
STATUS = {
    TaskStatus.not_started: "NEEDS-ACTION",
    TaskStatus.blocked: "NEEDS-ACTION",
    TaskStatus.in_progress: "IN-PROCESS",
    TaskStatus.completed: "COMPLETED",
}
EVENT_LENGTH = timedelta(minutes=30)


def _when(value: datetime, zone: ZoneInfo) -> datetime:
    return value.astimezone(zone)


def _common(component: Todo | Event, task: TaskPublic, suffix: str = "") -> None:
    component.add("uid", f"{task.id}{suffix}@behflow")
    component.add("dtstamp", task.updated_at)
    component.add("created", task.created_at)
    component.add("last-modified", task.updated_at)
    component.add("summary", task.title)
    if task.description:
        component.add("description", task.description)
    if task.tags:
        component.add("categories", list(task.tags))
    if task.project:
        component.add("x-behflow-project", task.project)
    component.add("x-behflow-number", str(task.number))
    priority = PRIORITY.get(TaskPriority(task.priority))
    if priority:
        component.add("priority", priority)
    if task.recurrence and task.due_at is not None:
        schedule, from_completion = split_mode(task.recurrence)
        if from_completion:  # no RRULE part says "from completion": the interval, and ours
            component.add("x-behflow-recurrence", task.recurrence)
        try:
            component.add("rrule", vRecur.from_ical(schedule))
        except ValueError:  # a rule dateutil reads and icalendar does not: keep it as text
            if not from_completion:
                component.add("x-behflow-recurrence", task.recurrence)


def _alarm(task: TaskPublic, anchor: datetime | None, related_end: bool) -> Alarm | None:
    if task.remind_at is None:
        return None
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"Reminder: {task.title}")
    if anchor is not None:
        # Relative, so every occurrence of a repeating task has its reminder.
        parameters = {"RELATED": "END"} if related_end else {}
        alarm.add("trigger", task.remind_at - anchor, parameters=parameters)
    else:
        alarm.add("trigger", task.remind_at)
    return alarm


def to_todo(task: TaskPublic, zone: ZoneInfo) -> Todo:
    todo = Todo()
    _common(todo, task)
    status = TaskStatus(task.status)
    todo.add("status", STATUS[status])
    if status is TaskStatus.completed:
        todo.add("completed", task.completed_at or task.updated_at)
        todo.add("percent-complete", 100)
    due = task.ends_at or task.due_at
    all_day = task.due_at is not None and task.ends_at is None and is_all_day(task.due_at, zone)
    if task.due_at is not None and due is not None:
        if all_day:
            todo.add("due", task.due_at.astimezone(zone).date())
            if task.recurrence:
                todo.add("dtstart", task.due_at.astimezone(zone).date())
        else:
            todo.add("due", _when(due, zone))
            if task.ends_at is not None or task.recurrence:
                todo.add("dtstart", _when(task.due_at, zone))
    anchor = (
        due if due is not None and not (task.due_at and is_all_day(task.due_at, zone)) else None
    )
    alarm = _alarm(task, anchor, related_end=True)
    if alarm is not None:
        todo.add_component(alarm)
    return todo


def to_event(task: TaskPublic, zone: ZoneInfo) -> Event:
    assert task.due_at is not None
    event = Event()
    _common(event, task, "-event")
    title = task.title
    if task.status == TaskStatus.completed:
        event["summary"] = f"✓ {title}"
    if is_all_day(task.due_at, zone) and task.ends_at is None:
        day = task.due_at.astimezone(zone).date()
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        anchor = None
    else:
        event.add("dtstart", _when(task.due_at, zone))
        event.add("dtend", _when(task.ends_at or task.due_at + EVENT_LENGTH, zone))
        anchor = task.due_at
    event.add("transp", "TRANSPARENT")
    alarm = _alarm(task, anchor, related_end=False)
    if alarm is not None:
        event.add_component(alarm)
    return event


def feed(tasks: list[TaskPublic], zone: ZoneInfo, *, name: str, events: bool = False) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", str(zone))
    calendar.add("refresh-interval", timedelta(minutes=15), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT15M")
    for task in tasks:
        if events and task.due_at is not None:
            calendar.add_component(to_event(task, zone))
        else:
            calendar.add_component(to_todo(task, zone))
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())

"""Every table, imported in one place so metadata and migrations see the whole schema."""

from sqlmodel import SQLModel

from behflow_server.auth.models import RevokedToken, User
from behflow_server.auth.ratelimit import LoginAttempt
from behflow_server.auth.sessions import AccountSession
from behflow_server.calendar.models import CalendarFeed
from behflow_server.chat.models import ChatMessage, ChatSession
from behflow_server.events.models import Event
from behflow_server.filters.models import SavedFilter
from behflow_server.notes.models import TaskNote
from behflow_server.notify.models import NotifyDelivery, NotifyTarget
from behflow_server.processes.models import AutomatedProcess, AutomatedProcessExecution, DailyStat
from behflow_server.tasks.changelog import ChangeSet, TaskChange
from behflow_server.tasks.models import Task, TaskReminderSent
from behflow_server.webhooks.models import Webhook, WebhookDelivery

metadata = SQLModel.metadata

__all__ = [
    "AccountSession",
    "AutomatedProcess",
    "AutomatedProcessExecution",
    "CalendarFeed",
    "ChangeSet",
    "ChatMessage",
    "ChatSession",
    "DailyStat",
    "Event",
    "LoginAttempt",
    "NotifyDelivery",
    "NotifyTarget",
    "RevokedToken",
    "SavedFilter",
    "Task",
    "TaskChange",
    "TaskNote",
    "TaskReminderSent",
    "User",
    "Webhook",
    "WebhookDelivery",
    "metadata",
]

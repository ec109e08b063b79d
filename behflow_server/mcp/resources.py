"""MCP resources: the user's tasks due today, the overdue ones, and one task by number.

Each reads as JSON in the API's own shapes (TaskPublic; lists as {"items", "total"}), through
the task service and its one overdue predicate.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from mcp_types import Resource, ResourceTemplate
from sqlmodel import Session

from behflow_server.auth.models import User
from behflow_server.errors import NotFound
from behflow_server.tasks import service
from behflow_server.tasks.models import OPEN_STATUSES
from behflow_server.tasks.query import TaskQuery

TODAY = "behflow://today"
OVERDUE = "behflow://overdue"
TASK_TEMPLATE = "behflow://tasks/{number}"
_TASK_URI = re.compile(r"^behflow://tasks/(?P<number>[1-9]\d{0,9})$")
MIME = "application/json"
# Everything a person has due today or overdue fits; a larger list is cut, and says so.
LIST_LIMIT = 500

RESOURCES = [
    Resource(
        uri=TODAY,
        name="today",
        title="Due today",
        description="Open tasks due today (in your time zone), soonest first.",
        mime_type=MIME,
    ),
    Resource(
        uri=OVERDUE,
        name="overdue",
        title="Overdue",
        description="Open tasks whose due time has passed, oldest first.",
        mime_type=MIME,
    ),
]
TEMPLATES = [
    ResourceTemplate(
        uri_template=TASK_TEMPLATE,
        name="task",
        title="A task by number",
        description="One task, e.g. behflow://tasks/3 for #3.",
        mime_type=MIME,
    )
]


@dataclass
class ResourceRead:
    session: Session
    user: User
    zone: ZoneInfo
    now: datetime

    def read(self, uri: str) -> str:
        """The resource's JSON text; NotFound for an unknown URI or task."""
        if uri == TODAY:
            return self._list(TaskQuery(statuses=list(OPEN_STATUSES), due="today"))
        if uri == OVERDUE:
            return self._list(TaskQuery(statuses=list(OPEN_STATUSES), overdue=True))
        match = _TASK_URI.match(uri)
        if match is None:
            raise NotFound(
                f"There is no resource {uri!r}: read {TODAY}, {OVERDUE} or "
                f"{TASK_TEMPLATE.replace('{number}', 'N')}.",
                code="resource_not_found",
            )
        task = service.get_task(self.session, self.user, int(match["number"]))
        return service.public(task).model_dump_json()

    def _list(self, query: TaskQuery) -> str:
        query.limit = LIST_LIMIT
        tasks, total = service.list_tasks(
            self.session, self.user, query, zone=self.zone, now=self.now
        )
        items = [service.public(task).model_dump(mode="json") for task in tasks]
        return json.dumps({"items": items, "total": total})

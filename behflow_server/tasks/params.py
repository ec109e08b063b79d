"""The task list's filter parameters, declared once for every route that filters tasks
(GET /tasks, GET /export): a dependency that reads them into a TaskQuery."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query
from pydantic import AfterValidator

from behflow_server.api.deps import CurrentUser, SessionDep
from behflow_server.errors import InvalidInput
from behflow_server.filters.service import scope
from behflow_server.tasks.models import TaskPriority, TaskStatus
from behflow_server.tasks.query import ArchivedFilter, TaskQuery, TaskSort, parse_statuses


def split_values(values: list[str] | None) -> list[str]:
    """Repeated and comma-separated query values as one list: ?tag=a,b&tag=c."""
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def statuses(values: list[str] | None) -> list[TaskStatus]:
    return parse_statuses(split_values(values))


def sort_order(value: str) -> tuple[TaskSort, bool]:
    """ "-priority" -> (priority, descending)."""
    descending = value.startswith("-")
    try:
        return TaskSort(value.lstrip("-")), descending
    except ValueError:
        allowed = ", ".join(s.value for s in TaskSort)
        raise InvalidInput(
            f"sort: unknown value {value!r}; use one of {allowed} (prefix - for descending)",
            details={"field": "sort"},
        ) from None


CONTEXT_OFF = ("none", "off", "false")


def no_context(value: str | None) -> str | None:
    if value is not None and value.lower() not in CONTEXT_OFF:
        raise ValueError("only 'none' (leave the active context out of this request)")
    return value


# `?context=none`: this one request ignores the active context.
NoContext = Annotated[
    str | None,
    Query(max_length=10, description="none: ignore the active context"),
    AfterValidator(no_context),
]


async def task_filters(
    session: SessionDep,
    user: CurrentUser,
    status_: Annotated[list[str] | None, Query(alias="status")] = None,
    priority: TaskPriority | None = None,
    tag: Annotated[list[str] | None, Query()] = None,
    project: Annotated[str | None, Query(max_length=100)] = None,
    due: Annotated[str | None, Query(max_length=100)] = None,
    due_before: datetime | None = None,
    due_after: datetime | None = None,
    overdue: bool = False,
    archived: ArchivedFilter = ArchivedFilter.exclude,
    search: Annotated[str | None, Query(max_length=200)] = None,
    q: Annotated[str | None, Query(max_length=1000, description="docs/filters.md")] = None,
    filter_: Annotated[str | None, Query(alias="filter", max_length=50)] = None,
    context: NoContext = None,
) -> TaskQuery:
    """Filters combine with AND; `status` and `tag` may repeat or be comma lists. `q` is the
    filter language, `filter` a saved filter's name; the active context applies too unless
    `context=none`."""
    texts = scope(session, user, filter_name=filter_, use_context=context is None, q=q)
    return TaskQuery(
        statuses=statuses(status_),
        min_priority=priority,
        tags=split_values(tag),
        project=project,
        due=due,
        due_before=due_before,
        due_after=due_after,
        overdue=overdue,
        archived=archived,
        search=search,
        q=texts,
    )


TaskFilters = Annotated[TaskQuery, Depends(task_filters)]

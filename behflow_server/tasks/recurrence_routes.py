"""POST /api/v1/tasks/{number}/skip: move a recurring task to its next occurrence."""

from __future__ import annotations

from fastapi import APIRouter

from behflow_server.api.deps import CurrentUser, SessionDep, UserZone
from behflow_server.tasks import service
from behflow_server.tasks.models import TaskPublic
from behflow_server.tasks.routes import TaskNumber

router = APIRouter(prefix="/tasks", tags=["tasks"])


@router.post("/{number}/skip", response_model=TaskPublic)
def skip_occurrence(
    number: TaskNumber, session: SessionDep, user: CurrentUser, zone: UserZone
) -> TaskPublic:
    return service.public(service.skip_occurrence(session, user, number, zone=zone))

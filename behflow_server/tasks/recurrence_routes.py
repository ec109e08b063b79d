"""POST /api/v1/tasks/{number}/skip and /occurrence: one occurrence of a recurring task is
skipped or moved; the series (its schedule, its end) stays as it was."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import model_validator
from sqlmodel import Field, SQLModel

from behflow_server.api.deps import CurrentUser, SessionDep, UserZone
from behflow_server.tasks import service
from behflow_server.tasks.models import TaskPublic
from behflow_server.tasks.routes import TaskNumber

router = APIRouter(prefix="/tasks", tags=["tasks"])


class OccurrenceMove(SQLModel):
    """The new due date of this occurrence only: a phrase ("fri 9am") or a time."""

    due: str | None = Field(default=None, min_length=1, max_length=200)
    due_at: datetime | None = None

    @model_validator(mode="after")
    def _one_date(self) -> OccurrenceMove:
        if (self.due is None) == (self.due_at is None):
            raise ValueError("give exactly one of due (a phrase) or due_at (a time)")
        return self


@router.post("/{number}/skip", response_model=TaskPublic)
def skip_occurrence(
    number: TaskNumber, session: SessionDep, user: CurrentUser, zone: UserZone
) -> TaskPublic:
    return service.public(service.skip_occurrence(session, user, number, zone=zone))


@router.post("/{number}/occurrence", response_model=TaskPublic)
def move_occurrence(
    number: TaskNumber, body: OccurrenceMove, session: SessionDep, user: CurrentUser, zone: UserZone
) -> TaskPublic:
    due_at = service.resolve_due(body.due, zone) if body.due is not None else body.due_at
    assert due_at is not None
    return service.public(service.move_occurrence(session, user, number, due_at, zone=zone))

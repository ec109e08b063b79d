"""/api/v1/history and /api/v1/tasks/{number}/history: thin callers of tasks/history.py."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from behflow_server.api.deps import CurrentUser, SessionDep
from behflow_server.tasks import history
from behflow_server.tasks.routes import TaskNumber

router = APIRouter(tags=["history"])

_CONFLICTS: dict[int | str, dict[str, Any]] = {
    409: {"description": "history_conflict, already_undone, nothing_to_undo/redo"}
}


@router.get("/history", response_model=history.HistoryPage)
def list_history(
    session: SessionDep,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=history.MAX_PAGE)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> history.HistoryPage:
    """The user's changesets, newest first, from every client."""
    return history.list_history(session, user, limit=limit, offset=offset)


@router.get("/tasks/{number}/history", response_model=history.TaskLog)
def task_log(
    number: TaskNumber,
    session: SessionDep,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=history.MAX_PAGE)] = 100,
) -> history.TaskLog:
    """One task's changes, newest first: field, before, after."""
    return history.task_log(session, user, number, limit=limit)


@router.post("/history/undo", response_model=history.UndoResult, responses=_CONFLICTS)
def undo(
    session: SessionDep, user: CurrentUser, data: history.UndoRequest | None = None
) -> history.UndoResult:
    """Revert the newest changeset not yet undone (or `changeset`), whichever client made it."""
    data = data or history.UndoRequest()
    return history.undo(session, user, data.changeset, force=data.force)


@router.post("/history/redo", response_model=history.UndoResult, responses=_CONFLICTS)
def redo(
    session: SessionDep, user: CurrentUser, data: history.UndoRequest | None = None
) -> history.UndoResult:
    """Revert the newest undo (or `changeset`); refused once a new change was made since."""
    data = data or history.UndoRequest()
    return history.redo(session, user, data.changeset, force=data.force)

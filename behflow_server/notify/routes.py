"""/api/v1/notify/targets: thin callers of the notification service."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from behflow_server.api.deps import Context, CurrentUser, SessionDep
from behflow_server.notify import service
from behflow_server.notify.models import NotifyTargetCreate, NotifyTargetPublic, NotifyTestResult

router = APIRouter(prefix="/notify/targets", tags=["notify"])


@router.get("", response_model=list[NotifyTargetPublic])
def list_targets(session: SessionDep, user: CurrentUser) -> list[NotifyTargetPublic]:
    return [service.public(t) for t in service.list_targets(session, user)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=NotifyTargetPublic)
def add_target(
    data: NotifyTargetCreate, session: SessionDep, user: CurrentUser
) -> NotifyTargetPublic:
    return service.public(service.add_target(session, user, data.url))


@router.delete("/{target_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_target(target_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Response:
    service.remove_target(session, user, target_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# A plain `def`: FastAPI runs it on its thread pool, so Apprise's blocking send stays off
# the event loop.
@router.post("/{target_id}/test", response_model=NotifyTestResult)
def test_target(
    target_id: uuid.UUID, session: SessionDep, user: CurrentUser, context: Context
) -> NotifyTestResult:
    outcome = service.send_test(session, user, target_id, settings=context.settings)
    target = service.get_target(session, user, target_id)
    return NotifyTestResult(status=outcome.kind, error=outcome.error, target=service.public(target))

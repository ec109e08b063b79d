"""/api/v1/webhooks: thin callers of the webhook service."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from behflow_server.api.deps import Context, CurrentUser, SessionDep
from behflow_server.context import AppContext
from behflow_server.webhooks import service
from behflow_server.webhooks.gate import TestGate
from behflow_server.webhooks.models import (
    WEBHOOK_EVENTS,
    DeliveryPublic,
    WebhookCreate,
    WebhookCreated,
    WebhookPublic,
)

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


def _public(webhook: object) -> WebhookPublic:
    return WebhookPublic.model_validate(webhook, from_attributes=True)


@router.get("", response_model=list[WebhookPublic])
def list_webhooks(session: SessionDep, user: CurrentUser) -> list[WebhookPublic]:
    return [_public(w) for w in service.list_webhooks(session, user)]


@router.get("/events")
def list_events() -> list[str]:
    """The event types a webhook can subscribe to."""
    return list(WEBHOOK_EVENTS)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=WebhookCreated)
def create_webhook(
    data: WebhookCreate, session: SessionDep, user: CurrentUser, context: Context
) -> WebhookCreated:
    webhook = service.create_webhook(session, user, data, settings=context.settings)
    return WebhookCreated.model_validate(webhook, from_attributes=True)


@router.get("/{webhook_id}", response_model=WebhookPublic)
def get_webhook(webhook_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> WebhookPublic:
    return _public(service.get_webhook(session, user, webhook_id))


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_webhook(webhook_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Response:
    service.delete_webhook(session, user, webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _test_gate(context: AppContext) -> TestGate:
    gate = context.webhook_test_gate
    if gate is None:
        settings = context.settings
        gate = TestGate(
            settings.webhook_tests_concurrency,
            settings.webhook_tests_per_user,
            settings.webhook_timeout_seconds,
        )
        context.webhook_test_gate = gate
    return gate


@router.post(
    "/{webhook_id}/test",
    response_model=DeliveryPublic,
    responses={429: {"description": "a test of yours is running"}, 503: {"description": "busy"}},
)
async def test_webhook(
    webhook_id: uuid.UUID, user: CurrentUser, context: Context
) -> DeliveryPublic:
    """Send `webhook.test` now and wait for the receiver (bounded per account and server)."""

    def send() -> DeliveryPublic:
        with context.db.session() as session:
            delivery = service.send_test(session, user, webhook_id, settings=context.settings)
            return DeliveryPublic.model_validate(delivery, from_attributes=True)

    return await _test_gate(context).run(user.id, send)


@router.get("/{webhook_id}/deliveries", response_model=list[DeliveryPublic])
def list_deliveries(
    webhook_id: uuid.UUID,
    session: SessionDep,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
) -> list[DeliveryPublic]:
    rows = service.deliveries(session, user, webhook_id, limit)
    return [DeliveryPublic.model_validate(d, from_attributes=True) for d in rows]

"""Webhooks: registering receivers (checked URLs, chosen events) and reading their deliveries."""

from __future__ import annotations

import uuid

from sqlmodel import Session, col, select

from behflow_server import outbound
from behflow_server.auth.models import User
from behflow_server.config import Settings
from behflow_server.db import utcnow
from behflow_server.errors import InvalidInput, NotFound
from behflow_server.webhooks.delivery import attempt_delivery, new_secret
from behflow_server.webhooks.models import (
    TEST_EVENT,
    WEBHOOK_EVENTS,
    Webhook,
    WebhookCreate,
    WebhookDelivery,
)


def _bad_url(message: str, code: str = "invalid_webhook_url") -> InvalidInput:
    return InvalidInput(message, code=code, details={"field": "url"})


def check_url(url: str, settings: Settings) -> str:
    """The URL if a webhook may ever be sent there: http(s), a resolvable host, an address the
    outbound policy could allow (not link-local, unspecified, multicast or this server).

    Whether the policy allows the address now is decided at each delivery, after resolving
    the host again (behflow_server/outbound.py): a refused delivery is logged as such.
    """
    try:
        target = outbound.parse_url(url)
    except outbound.BadURL as exc:
        code = "invalid_webhook_url" if exc.code == "invalid_url" else exc.code
        raise _bad_url(exc.message.replace("URLs", "Webhook URLs"), code) from None
    if target.literal is not None:
        addresses = [target.literal]
    else:
        try:
            addresses = outbound.resolve(target.host, target.port)
        except (OSError, UnicodeError):
            addresses = []
        if not addresses:
            raise _bad_url(
                f"Cannot resolve the webhook host {target.host!r}.", code="unresolvable_host"
            )
    policy = outbound.OutboundPolicy.from_settings(settings)
    for address in addresses:
        if any(policy.is_server(meant, target.port) for meant in outbound.meanings(address)):
            raise _bad_url(
                f"{target.url} points at this Behflow server itself; choose another receiver.",
                code="webhook_loop",
            )
        if policy.never_allowed(address, target.port):
            raise _bad_url(
                f"{target.url} points at {address}, a link-local, unspecified or multicast "
                "address, which webhooks may never reach.",
                code="address_not_allowed",
            )
    return target.url


def check_events(events: list[str]) -> list[str]:
    unknown = [e for e in events if e not in WEBHOOK_EVENTS]
    if unknown:
        raise InvalidInput(
            f"Unknown event(s) {', '.join(unknown)}; choose from {', '.join(WEBHOOK_EVENTS)}.",
            code="unknown_event",
            details={"field": "events"},
        )
    return list(dict.fromkeys(events))


def create_webhook(
    session: Session, user: User, data: WebhookCreate, *, settings: Settings
) -> Webhook:
    webhook = Webhook(
        user_id=user.id,
        url=check_url(data.url, settings),
        events=check_events(data.events),
        secret=new_secret(),
    )
    session.add(webhook)
    session.commit()
    return webhook


def list_webhooks(session: Session, user: User) -> list[Webhook]:
    return list(
        session.exec(
            select(Webhook).where(col(Webhook.user_id) == user.id).order_by(col(Webhook.created_at))
        )
    )


def get_webhook(session: Session, user: User, webhook_id: uuid.UUID) -> Webhook:
    webhook = session.get(Webhook, webhook_id)
    if webhook is None or webhook.user_id != user.id:
        raise NotFound(
            "No such webhook.", code="webhook_not_found", details={"id": str(webhook_id)}
        )
    return webhook


def delete_webhook(session: Session, user: User, webhook_id: uuid.UUID) -> None:
    session.delete(get_webhook(session, user, webhook_id))
    session.commit()


def deliveries(
    session: Session, user: User, webhook_id: uuid.UUID, limit: int = 20
) -> list[WebhookDelivery]:
    webhook = get_webhook(session, user, webhook_id)
    return list(
        session.exec(
            select(WebhookDelivery)
            .where(col(WebhookDelivery.webhook_id) == webhook.id)
            .order_by(col(WebhookDelivery.created_at).desc())
            .limit(limit)
        )
    )


def send_test(
    session: Session, user: User, webhook_id: uuid.UUID, *, settings: Settings
) -> WebhookDelivery:
    """POST a `webhook.test` event now, once, and return how it went."""

    webhook = get_webhook(session, user, webhook_id)
    now = utcnow()
    delivery = WebhookDelivery(
        webhook_id=webhook.id,
        event_type=TEST_EVENT,
        payload={"message": "Test delivery from Behflow.", "user": user.username},
        created_at=now,
        attempts=1,
    )
    session.add(delivery)
    session.commit()
    return attempt_delivery(session, webhook, delivery, settings=settings, final=True)

"""Webhooks: registering receivers (checked URLs, chosen events) and reading their deliveries."""

from __future__ import annotations

import ipaddress
import secrets
import socket
import uuid
from functools import lru_cache
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from behflow_server.auth.models import User
from behflow_server.config import Settings
from behflow_server.db import utcnow
from behflow_server.errors import InvalidInput, NotFound
from behflow_server.webhooks.models import (
    TEST_EVENT,
    WEBHOOK_EVENTS,
    Webhook,
    WebhookCreate,
    WebhookDelivery,
)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _bad_url(message: str, code: str = "invalid_webhook_url") -> InvalidInput:
    return InvalidInput(message, code=code, details={"field": "url"})


@lru_cache(maxsize=1)
def _own_addresses() -> frozenset[str]:
    try:
        return frozenset(socket.gethostbyname_ex(socket.gethostname())[2])
    except OSError:
        return frozenset()


def _is_this_machine(address: IPAddress, settings: Settings) -> bool:
    return (
        address.is_loopback
        or address.is_unspecified
        or str(address) == settings.host
        or str(address) in _own_addresses()
    )


def check_url(url: str, settings: Settings) -> str:
    """The URL if a webhook may be sent there: http(s), a resolvable host, not this server.

    Loopback and private addresses are fine (receivers often run beside a self-hosted server);
    only this server's own address and port are refused, so a webhook cannot call the API.
    """
    text = url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise _bad_url(f"Not a valid URL: {exc}.") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise _bad_url(
            f"Webhook URLs must use http or https, not {parts.scheme or 'no scheme'!r}.",
            code="unsupported_scheme",
        )
    host = parts.hostname
    if not host:
        raise _bad_url("The webhook URL has no host.")
    port = port or (443 if parts.scheme.lower() == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise _bad_url(
            f"Cannot resolve the webhook host {host!r}.", code="unresolvable_host"
        ) from None
    addresses = {ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos}
    if port == settings.port and any(_is_this_machine(a, settings) for a in addresses):
        raise _bad_url(
            f"{text} points at this Behflow server itself; choose another receiver.",
            code="webhook_loop",
        )
    return text


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
        secret=secrets.token_hex(32),
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
    from behflow_server.webhooks.delivery import attempt_delivery

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

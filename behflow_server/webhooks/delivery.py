"""Webhook deliveries: signed JSON POSTs, off the request path, retried with back-off, logged.

The app's event sink hands each batch of committed events to a queue and returns at once; a
worker thread turns them into `webhook_deliveries` rows and POSTs them. Failed attempts wait
`webhook_retry_base_seconds * 2**(attempt-1)`; any replica's worker may pick a due retry, and
claims it by its attempt count so it goes out once.

Signature: `X-Behflow-Signature: sha256=<hex>`, the HMAC-SHA256 with the webhook's secret of
`<X-Behflow-Timestamp>.<raw body>`; receivers recompute it and reject stale timestamps.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import threading
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from behflow_server import __version__, outbound
from behflow_server.config import Settings
from behflow_server.context import AppContext
from behflow_server.db import Database, utcnow
from behflow_server.events.models import Event
from behflow_server.events.sinks import sinks_of
from behflow_server.webhooks.models import Webhook, WebhookDelivery

log = logging.getLogger("behflow.webhooks")
SIGNATURE_HEADER = "X-Behflow-Signature"
TIMESTAMP_HEADER = "X-Behflow-Timestamp"
POLL_SECONDS = 1.0


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify_signature(
    secret: str, timestamp: str, body: bytes, signature: str, *, tolerance: float = 300
) -> bool:
    """What a receiver does: recompute the signature and refuse old (replayed) timestamps."""
    try:
        stamp = int(timestamp)
    except ValueError:
        return False
    if abs(time.time() - stamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, stamp, body), signature)


def _body(delivery: WebhookDelivery) -> bytes:
    document = {
        "id": str(delivery.id),
        "event": delivery.event_type,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def _post(webhook: Webhook, delivery: WebhookDelivery, settings: Settings) -> outbound.Outcome:
    """One POST under the outbound policy, checked again now: DNS may have changed since."""
    body = _body(delivery)
    stamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"Behflow-Webhooks/{__version__}",
        "X-Behflow-Event": delivery.event_type,
        "X-Behflow-Delivery": str(delivery.id),
        TIMESTAMP_HEADER: str(stamp),
        SIGNATURE_HEADER: sign(webhook.secret, stamp, body),
    }
    return outbound.send(
        webhook.url,
        policy=outbound.OutboundPolicy.from_settings(settings),
        content=body,
        headers=headers,
        timeout=settings.webhook_timeout_seconds,
    )


def attempt_delivery(
    session: Session,
    webhook: Webhook,
    delivery: WebhookDelivery,
    *,
    settings: Settings,
    final: bool = False,
    now: datetime | None = None,
) -> WebhookDelivery:
    """POST a claimed delivery (its `attempts` already counts this try) and record the outcome."""
    # Times come from before the attempt: the log must not tell how long a connection took.
    now = now or utcnow()
    outcome = _post(webhook, delivery, settings)
    delivery.response_status = outcome.status
    delivery.error = outcome.message
    if outcome.kind == "delivered":
        delivery.status = "delivered"
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    elif outcome.kind == "refused" or final or delivery.attempts >= settings.webhook_max_attempts:
        delivery.status = "failed"
        delivery.next_attempt_at = None
    else:
        delay = settings.webhook_retry_base_seconds * 2 ** (delivery.attempts - 1)
        delivery.status = "pending"
        delivery.next_attempt_at = now + timedelta(seconds=delay)
    session.add(delivery)
    session.commit()
    return delivery


class WebhookDispatcher:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._queue: queue.Queue[list[dict[str, Any]]] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="behflow-webhooks", daemon=True)

    @classmethod
    def start_for(cls, context: AppContext) -> WebhookDispatcher:
        dispatcher = cls(context.db, context.settings)
        dispatcher.start()
        context.webhooks = dispatcher
        return dispatcher

    def start(self) -> None:
        sinks_of(self.db).add(self.sink)
        self._thread.start()

    def stop(self) -> None:
        sinks_of(self.db).remove(self.sink)
        self._stop.set()
        self._queue.put([])
        self._thread.join(timeout=self.settings.webhook_timeout_seconds + 2)

    def sink(self, events: list[Event]) -> None:
        """Called after a commit, on the committing thread: only hand the events over."""
        self._queue.put(
            [
                {"id": e.id, "user_id": e.user_id, "type": e.type, "data": e.data}
                for e in events
                if not e.type.startswith("webhook.")
            ]
        )

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                batch = self._queue.get(timeout=POLL_SECONDS)
            except queue.Empty:
                batch = []
            try:
                if batch:
                    self._enqueue(batch)
                self.deliver_due()
            except Exception:  # keep delivering after a bad round (e.g. the store was down)
                log.exception("webhook delivery round failed")

    def _enqueue(self, events: list[dict[str, Any]]) -> None:
        users = {e["user_id"] for e in events}
        with self.db.session() as session:
            hooks = session.exec(
                select(Webhook).where(col(Webhook.user_id).in_(users), col(Webhook.enabled))
            ).all()
            if not hooks:
                return
            now = utcnow()
            for event in events:
                for hook in hooks:
                    if hook.user_id == event["user_id"] and (
                        not hook.events or event["type"] in hook.events
                    ):
                        session.add(
                            WebhookDelivery(
                                webhook_id=hook.id,
                                event_type=event["type"],
                                payload={"event_id": event["id"], **event["data"]},
                                created_at=now,
                                next_attempt_at=now,
                            )
                        )
            session.commit()

    def deliver_due(self) -> int:
        """Send every pending delivery whose time has come; returns how many were tried."""
        now = utcnow()
        with self.db.session() as session:
            due = session.exec(
                select(WebhookDelivery.id, WebhookDelivery.attempts)
                .where(
                    col(WebhookDelivery.status) == "pending",
                    col(WebhookDelivery.next_attempt_at) <= now,
                )
                .order_by(col(WebhookDelivery.created_at))
                .limit(100)
            ).all()
            tried = 0
            for delivery_id, attempts in due:
                if self._stop.is_set():
                    break
                if self._claim(session, delivery_id, attempts):
                    self._send(session, delivery_id)
                    tried += 1
            return tried

    def _claim(self, session: Session, delivery_id: uuid.UUID, attempts: int) -> bool:
        lease = utcnow() + timedelta(seconds=self.settings.webhook_timeout_seconds + 30)
        taken = session.execute(
            sa.update(WebhookDelivery)
            .where(
                col(WebhookDelivery.id) == delivery_id,
                col(WebhookDelivery.status) == "pending",
                col(WebhookDelivery.attempts) == attempts,
            )
            .values(attempts=attempts + 1, next_attempt_at=lease)
        )
        session.commit()
        return taken.rowcount == 1  # type: ignore[attr-defined]

    def _send(self, session: Session, delivery_id: uuid.UUID) -> None:
        delivery = session.get(WebhookDelivery, delivery_id, populate_existing=True)
        webhook = session.get(Webhook, delivery.webhook_id) if delivery else None
        if delivery is None or webhook is None:
            return
        attempt_delivery(session, webhook, delivery, settings=self.settings)

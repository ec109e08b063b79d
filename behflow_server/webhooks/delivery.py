"""Webhook deliveries: signed JSON POSTs, off the request path, retried with back-off, logged.

The app's event sink hands each batch of committed events to a queue and returns at once; a
dispatcher thread turns them into `webhook_deliveries` rows and hands due ones to a small pool
of senders. Fairness (issue #10.6): at most `webhook_per_destination` deliveries are in flight
to one receiver (scheme, host and port) and `webhook_per_user` for one account, and due work is
taken round-robin over destinations, so one slow receiver holds a few senders and never the
queue. Failed attempts wait `webhook_retry_base_seconds * 2**(attempt-1)` (claims.backoff); any
replica may pick a due retry and claims it by its attempt count (claims.compare_and_set), so it
goes out once.

Signatures, both on every delivery (docs/automation.md):
- Standard Webhooks (standardwebhooks.com), made by the `standardwebhooks` package:
  `webhook-id` (the delivery id, the same on each retry), `webhook-timestamp` (Unix seconds),
  `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<raw body>">`, keyed with the
  bytes of the `whsec_` secret; a receiver verifies with `Webhook(secret).verify(body, headers)`.
  Webhooks made before secrets were `whsec_` ones are keyed with their secret's text.
- The original `X-Behflow-Signature: sha256=<hex>` (HMAC-SHA256 keyed with the secret's text
  of `<X-Behflow-Timestamp>.<raw body>`), kept for one release.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import queue
import secrets
import threading
import time
import uuid
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, col, select
from standardwebhooks import Webhook as StandardWebhook

from behflow_server import __version__, metrics, outbound
from behflow_server.claims import backoff, compare_and_set
from behflow_server.config import Settings
from behflow_server.db import Database, is_database_unavailable, utcnow
from behflow_server.events.models import Event
from behflow_server.events.sinks import sinks_of
from behflow_server.webhooks.models import Webhook, WebhookDelivery

if TYPE_CHECKING:  # the context names these parts; they only need its type
    from behflow_server.context import AppContext

log = logging.getLogger("behflow.webhooks")
SIGNATURE_HEADER = "X-Behflow-Signature"
TIMESTAMP_HEADER = "X-Behflow-Timestamp"
SECRET_PREFIX = "whsec_"
POLL_SECONDS = 1.0
DUE_BATCH = 500


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


def standard_signer(secret: str) -> StandardWebhook:
    """The Standard Webhooks signer for a webhook's secret: a `whsec_` secret is base64 key
    bytes; an older hex secret keys with its text (as `whsec_` + base64 of that text)."""
    if secret.startswith(SECRET_PREFIX):
        return StandardWebhook(secret)
    return StandardWebhook(secret.encode())


def new_secret() -> str:
    """A `whsec_` secret as the Standard Webhooks spec describes: 32 random bytes, base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signature_headers(secret: str, message_id: str, body: bytes, stamp: int) -> dict[str, str]:
    """Both signatures' headers for one attempt."""
    moment = datetime.fromtimestamp(stamp, UTC)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": standard_signer(secret).sign(message_id, moment, body),
        TIMESTAMP_HEADER: str(stamp),
        SIGNATURE_HEADER: sign(secret, stamp, body),
    }


def _post(webhook: Webhook, delivery: WebhookDelivery, settings: Settings) -> outbound.Outcome:
    """One POST under the outbound policy, checked again now: DNS may have changed since."""
    body = _body(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"Behflow-Webhooks/{__version__}",
        "X-Behflow-Event": delivery.event_type,
        "X-Behflow-Delivery": str(delivery.id),
        **signature_headers(webhook.secret, str(delivery.id), body, int(time.time())),
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
    metrics.webhook_delivery(outcome.kind)
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
        delivery.status = "pending"
        delivery.next_attempt_at = now + backoff(
            settings.webhook_retry_base_seconds, delivery.attempts
        )
    session.add(delivery)
    session.commit()
    return delivery


def destination_of(url: str) -> str:
    """The receiver a URL reaches, for fairness: scheme, host and port."""
    try:
        target = outbound.parse_url(url)
    except outbound.BadURL:
        return url
    return f"{target.scheme}://{target.host.lower()}:{target.port}"


@dataclass(frozen=True)
class Due:
    id: uuid.UUID
    attempts: int
    user_id: uuid.UUID
    destination: str


class Flights:
    """Deliveries in flight in this process, per destination and per account."""

    def __init__(self, total: int, per_destination: int, per_user: int) -> None:
        self.total = total
        self.per_destination = per_destination
        self.per_user = per_user
        self._lock = threading.Lock()
        self._destinations: Counter[str] = Counter()
        self._users: Counter[uuid.UUID] = Counter()
        self.count = 0

    def free(self) -> int:
        with self._lock:
            return self.total - self.count

    def try_start(self, due: Due) -> bool:
        with self._lock:
            if (
                self.count >= self.total
                or self._destinations[due.destination] >= self.per_destination
                or self._users[due.user_id] >= self.per_user
            ):
                return False
            self.count += 1
            self._destinations[due.destination] += 1
            self._users[due.user_id] += 1
            return True

    def finish(self, due: Due) -> None:
        with self._lock:
            self.count -= 1
            self._destinations[due.destination] -= 1
            self._users[due.user_id] -= 1
            self._destinations += Counter()  # drop the zeros
            self._users += Counter()


def round_robin(rows: list[Due]) -> list[Due]:
    """`rows` (oldest first) reordered to take one per destination in turn."""
    lanes: dict[str, deque[Due]] = {}
    for row in rows:
        lanes.setdefault(row.destination, deque()).append(row)
    ordered: list[Due] = []
    while lanes:
        for destination in list(lanes):
            lane = lanes[destination]
            ordered.append(lane.popleft())
            if not lane:
                del lanes[destination]
    return ordered


class WebhookDispatcher:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._queue: queue.Queue[list[dict[str, Any]]] = queue.Queue()
        self._backlog: list[dict[str, Any]] = []  # events not yet stored (the store was down)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="behflow-webhooks", daemon=True)
        self.flights = Flights(
            settings.webhook_workers, settings.webhook_per_destination, settings.webhook_per_user
        )
        self._pool = ThreadPoolExecutor(
            max_workers=settings.webhook_workers, thread_name_prefix="behflow-webhook-send"
        )
        self._outage = False

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
        # Deliveries in flight finish on their own (bounded by the timeout); waiting ones stay
        # pending in the store for the next start or another replica.
        self._pool.shutdown(wait=False, cancel_futures=True)

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
                self._backlog += self._queue.get(timeout=POLL_SECONDS)
                while not self._queue.empty():  # everything else already waiting
                    self._backlog += self._queue.get_nowait()
            except queue.Empty:
                pass
            try:
                if self._backlog:
                    self._enqueue(self._backlog)
                    self._backlog = []
                self.dispatch_due()
                if self._outage:
                    log.warning("webhook deliveries resumed: the database is back")
                    self._outage = False
            except Exception as exc:  # keep delivering after a bad round
                if not is_database_unavailable(exc):
                    log.exception("webhook delivery round failed")
                elif not self._outage:  # one line per outage, not a traceback per second
                    log.warning(
                        "webhook deliveries paused: the database is unavailable (%s); "
                        "retrying every %.0f s",
                        type(exc).__name__,
                        POLL_SECONDS,
                    )
                    self._outage = True
                self._stop.wait(POLL_SECONDS)

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

    def _due(self, session: Session, now: datetime) -> list[Due]:
        """Due deliveries, oldest first, at most a few per webhook: a webhook with a long
        backlog cannot crowd every other webhook out of one round."""
        rank = (
            sa.func.row_number()
            .over(
                partition_by=col(WebhookDelivery.webhook_id),
                order_by=(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.created_at)),
            )
            .label("rank")
        )
        ranked = (
            sa.select(
                col(WebhookDelivery.id),
                col(WebhookDelivery.attempts),
                col(WebhookDelivery.next_attempt_at),
                col(Webhook.user_id),
                col(Webhook.url),
                rank,
            )
            .join(Webhook, col(Webhook.id) == col(WebhookDelivery.webhook_id))
            .where(
                col(WebhookDelivery.status) == "pending",
                col(WebhookDelivery.next_attempt_at) <= now,
            )
            .subquery()
        )
        rows = session.execute(
            sa.select(ranked)
            .where(ranked.c.rank <= self.settings.webhook_per_destination)
            .order_by(ranked.c.next_attempt_at)
            .limit(DUE_BATCH)
        ).all()
        return [Due(r.id, r.attempts, r.user_id, destination_of(r.url)) for r in rows]

    def dispatch_due(self) -> int:
        """Start every due delivery the fairness limits allow; returns how many started."""
        if self.flights.free() <= 0:
            return 0
        started = 0
        with self.db.session() as session:
            for due in round_robin(self._due(session, utcnow())):
                if self._stop.is_set() or self.flights.free() <= 0:
                    break
                if not self.flights.try_start(due):
                    continue  # its destination or account is at its limit: later
                if not self._claim(session, due):
                    self.flights.finish(due)
                    continue
                self._pool.submit(self._send, due)
                started += 1
        return started

    def deliver_due(self, timeout: float = 30.0) -> int:
        """Start what is due and wait until nothing is in flight (tests and benchmarks)."""
        started = self.dispatch_due()
        deadline = time.monotonic() + timeout
        while self.flights.free() < self.flights.total and time.monotonic() < deadline:
            time.sleep(0.01)
        return started

    def _claim(self, session: Session, due: Due) -> bool:
        lease = utcnow() + timedelta(seconds=self.settings.webhook_timeout_seconds + 30)
        taken = compare_and_set(
            session,
            WebhookDelivery,
            due.id,
            {"status": "pending", "attempts": due.attempts},
            attempts=due.attempts + 1,
            next_attempt_at=lease,
        )
        session.commit()
        return taken

    def _send(self, due: Due) -> None:
        try:
            with self.db.session() as session:
                delivery = session.get(WebhookDelivery, due.id)
                webhook = session.get(Webhook, delivery.webhook_id) if delivery else None
                if delivery is not None and webhook is not None:
                    attempt_delivery(session, webhook, delivery, settings=self.settings)
        except Exception as exc:  # the claim's lease runs out and the delivery is tried again
            if is_database_unavailable(exc):
                log.warning("webhook delivery %s not recorded: database unavailable", due.id)
            else:
                log.exception("webhook delivery %s failed to run", due.id)
        finally:
            self.flights.finish(due)
            self._queue.put([])  # wake the dispatcher: a slot is free

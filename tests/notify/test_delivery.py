"""Reminders reach Apprise targets: a real `json://` POST to a local receiver, exactly once per
target across runs and concurrent workers, failures retried with back-off and made visible,
and the outbound policy checked on every address Apprise resolves."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from behflow_server.auth import service as auth_service
from behflow_server.auth.models import RegisterRequest, User
from behflow_server.config import Settings
from behflow_server.db import Database
from behflow_server.notify import delivery
from behflow_server.notify import service as notify
from behflow_server.notify.models import NotifyDelivery, NotifyTarget
from behflow_server.tasks import service as tasks
from behflow_server.tasks.models import TaskCreate
from behflow_server.tasks.reminders import send_due_reminders
from tests.automation.receiver import Receiver

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
LEAD = timedelta(minutes=15)
WINDOW = timedelta(hours=24)


@pytest.fixture
def allowed(settings: Settings) -> Settings:
    """A single-user local install: loopback receivers allowed."""
    return settings.model_copy(
        update={"outbound_allow": ["127.0.0.1/32"], "notify_retry_base_seconds": 60.0}
    )


@pytest.fixture
def make_user(session: Session) -> Callable[[], User]:
    counter = iter(range(1, 1000))

    def make() -> User:
        return auth_service.register(
            session,
            RegisterRequest(username=f"person{next(counter)}", password="correct horse"),
        )

    return make


def _json_url(receiver: Receiver) -> str:
    return receiver.url.replace("http://", "json://", 1)


def _due_task(session: Session, user: User, title: str = "water the plants") -> None:
    tasks.create_task(session, user, TaskCreate(title=title, remind_at=NOW - timedelta(minutes=1)))


def _remind(session: Session, user: User, settings: Settings, now: datetime = NOW) -> list[int]:
    return send_due_reminders(session, user, now, lead=LEAD, window=WINDOW, settings=settings)


def test_a_due_reminder_reaches_each_target_once_across_runs(
    session: Session, make_user: Callable[[], User], allowed: Settings
) -> None:
    user = make_user()
    with Receiver() as first, Receiver() as second:
        notify.add_target(session, user, _json_url(first))
        notify.add_target(session, user, _json_url(second))
        _due_task(session, user)
        assert _remind(session, user, allowed) == [1]
        _remind(session, user, allowed)  # the job runs again: nothing new
        _remind(session, user, allowed, NOW + timedelta(minutes=5))
        assert len(first.received) == 1 and len(second.received) == 1
        document = json.loads(first.received[0].body)
        assert document["title"] == "Reminder: water the plants"
        assert "#1 water the plants" in document["message"]
    listed = notify.list_targets(session, user)
    assert [(t.last_status, t.failures) for t in listed] == [("delivered", 0)] * 2


def test_two_workers_at_once_send_one_notification(
    database: Database, session: Session, make_user: Callable[[], User], allowed: Settings
) -> None:
    user = make_user()
    with Receiver(delay=0.2) as receiver:
        notify.add_target(session, user, _json_url(receiver))
        _due_task(session, user)
        # Queued without sending (no settings), so both workers find the same pending row.
        send_due_reminders(session, user, NOW, lead=LEAD, window=WINDOW)
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def run() -> None:
            try:
                with database.session() as own:
                    person = own.get(User, user.id)
                    assert person is not None
                    barrier.wait()
                    notify.deliver_due(own, person, NOW, settings=allowed)
            except BaseException as exc:  # reported below
                errors.append(exc)

        workers = [threading.Thread(target=run) for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(30)
        receiver.wait_for(2, timeout=1.0)
        assert not errors
        assert len(receiver.received) == 1


def test_a_failing_target_is_retried_with_backoff_then_given_up(
    session: Session, make_user: Callable[[], User], allowed: Settings
) -> None:
    user = make_user()
    settings = allowed.model_copy(update={"notify_max_attempts": 3})
    with Receiver(statuses=[500, 503, 500, 500]) as receiver:
        target = notify.add_target(session, user, _json_url(receiver))
        _due_task(session, user)
        _remind(session, user, settings)
        session.refresh(target)
        assert (target.last_status, target.failures) == ("failed", 1)
        assert target.last_error
        _remind(session, user, settings, NOW + timedelta(seconds=30))  # before the back-off
        assert len(receiver.received) == 1
        _remind(session, user, settings, NOW + timedelta(seconds=61))  # 60 s later: retry 2
        _remind(session, user, settings, NOW + timedelta(seconds=62))  # waits 120 s now
        assert len(receiver.received) == 2
        _remind(session, user, settings, NOW + timedelta(seconds=182))  # attempt 3, the last
        _remind(session, user, settings, NOW + timedelta(days=1))
        assert len(receiver.received) == 3
    row = session.exec(select(NotifyDelivery)).one()
    assert (row.status, row.attempts) == ("failed", 3)
    session.refresh(target)
    assert target.failures == 3


def test_a_failed_attempt_succeeds_on_retry(
    session: Session, make_user: Callable[[], User], allowed: Settings
) -> None:
    user = make_user()
    with Receiver(statuses=[500]) as receiver:
        target = notify.add_target(session, user, _json_url(receiver))
        _due_task(session, user)
        _remind(session, user, allowed)
        _remind(session, user, allowed, NOW + timedelta(minutes=2))
        assert len(receiver.received) == 2
    session.refresh(target)
    assert (target.last_status, target.failures) == ("delivered", 1)
    row = session.exec(select(NotifyDelivery)).one()
    assert (row.status, row.attempts) == ("delivered", 2)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_is_refused_by_default(
    session: Session, make_user: Callable[[], User], settings: Settings, host: str
) -> None:
    """The default policy (multi-user) refuses loopback, also behind a name resolving to it,
    and a refused notification is not retried."""
    user = make_user()
    with Receiver() as receiver:
        url = _json_url(receiver).replace("127.0.0.1", host)
        target = notify.add_target(session, user, url)
        _due_task(session, user)
        _remind(session, user, settings)
        _remind(session, user, settings, NOW + timedelta(hours=1))
        assert receiver.received == []
    session.refresh(target)
    assert target.last_status == "refused"
    assert "not allowed" in (target.last_error or "")
    rows = session.exec(select(NotifyDelivery).where(col(NotifyDelivery.target_id) == target.id))
    assert [(r.status, r.attempts) for r in rows] == [("failed", 1)]


def test_removing_a_target_drops_its_queue(
    session: Session, make_user: Callable[[], User], settings: Settings
) -> None:
    user = make_user()
    target = notify.add_target(session, user, "json://127.0.0.1:9/hook")
    _due_task(session, user)
    _remind(session, user, settings)
    notify.remove_target(session, user, target.id)
    assert session.exec(select(NotifyTarget)).all() == []
    assert session.exec(select(NotifyDelivery)).all() == []


@pytest.mark.parametrize(
    "url",
    [
        "json://10.1.2.3:9/hook",  # a private network
        "json://[::1]:9/hook",
        "json://2130706433:9/hook",  # 127.0.0.1 spelled as an integer
        "json://169.254.169.254/latest",  # cloud metadata: never, whatever the allow list
        # Email goes through smtplib, not requests: its connection is checked the same way.
        "mailto://me:pw@localhost:2525?smtp=127.0.0.1&from=a@example.com&to=b@example.com",
    ],
)
def test_every_way_out_is_checked_by_the_policy(settings: Settings, url: str) -> None:
    outcome = delivery.send(url, "t", "b", settings=settings)
    assert outcome.kind == "refused", outcome
    assert "not allowed by the outbound policy" in (outcome.error or "")


def test_the_allow_list_lets_a_local_receiver_through(allowed: Settings) -> None:
    with Receiver() as receiver:
        outcome = delivery.send(_json_url(receiver), "t", "b", settings=allowed)
        assert outcome.kind == "delivered"
        metadata = delivery.send("json://169.254.169.254/x", "t", "b", settings=allowed)
        assert metadata.kind == "refused"
    assert len(receiver.received) == 1


def test_the_policy_guard_stays_on_the_sending_thread(settings: Settings) -> None:
    """After a send (even a refused one) this thread resolves loopback again as usual."""
    import socket

    assert delivery.send("json://127.0.0.1:9/x", "t", "b", settings=settings).kind == "refused"
    assert socket.getaddrinfo("127.0.0.1", 80)


def test_a_run_stops_sending_after_its_budget_and_the_next_goes_on(
    session: Session,
    make_user: Callable[[], User],
    allowed: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each send takes 0.2 s, longer than the budget: one send a run.
    monkeypatch.setattr(notify, "RUN_BUDGET_SECONDS", 0.1)
    user = make_user()
    with Receiver(delay=0.2) as first, Receiver(delay=0.2) as second:
        notify.add_target(session, user, _json_url(first))
        notify.add_target(session, user, _json_url(second))
        _due_task(session, user)
        _remind(session, user, allowed)
        assert len(first.received) + len(second.received) == 1
        _remind(session, user, allowed, NOW + timedelta(seconds=1))
        assert (len(first.received), len(second.received)) == (1, 1)


def test_the_message_shows_the_due_time_in_the_users_zone(
    session: Session, allowed: Settings
) -> None:
    user = auth_service.register(
        session,
        RegisterRequest(username="berlin", password="correct horse", timezone="Europe/Berlin"),
    )
    with Receiver() as receiver:
        notify.add_target(session, user, _json_url(receiver))
        due = NOW + timedelta(minutes=10)  # 12:10 UTC is 13:10 in Berlin in March
        tasks.create_task(session, user, TaskCreate(title="dentist", due_at=due))
        _remind(session, user, allowed)
        [received] = receiver.wait_for(1)
    message = json.loads(received.body)["message"]
    assert message == "#1 dentist (due Mon 2026-03-02 13:10 Europe/Berlin)"

"""During a database outage the webhook dispatcher says so in one log line (not a traceback a
second), keeps the events it could not store yet, and delivers them when the store is back."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from behflow_server.auth.models import User
from behflow_server.config import Settings
from behflow_server.db import Database
from behflow_server.events.models import Event
from behflow_server.webhooks.delivery import WebhookDispatcher
from behflow_server.webhooks.models import Webhook
from tests.automation.receiver import Receiver


@pytest.fixture
def dispatcher(database: Database, settings: Settings) -> Iterator[WebhookDispatcher]:
    allowed = settings.model_copy(update={"outbound_allow": ["127.0.0.1/32"]})
    running = WebhookDispatcher(database, allowed)
    yield running
    running.stop()


def test_an_outage_is_one_line_and_loses_no_event(
    database: Database,
    session: Session,
    make_user: Callable[..., User],
    dispatcher: WebhookDispatcher,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = make_user()
    real_session = database.session
    down = {"calls": 0}

    def flaky_session() -> AbstractContextManager[Session]:
        if down["calls"] < 4:  # about four seconds without a database
            down["calls"] += 1
            raise sa.exc.OperationalError(
                "SELECT 1", {}, sqlite3.OperationalError("unable to open database file")
            )
        return real_session()

    with Receiver() as receiver:
        session.add(Webhook(user_id=user.id, url=receiver.url, secret="whsec_" + "A" * 43))
        session.commit()
        monkeypatch.setattr(database, "session", flaky_session)
        caplog.set_level(logging.INFO, logger="behflow.webhooks")
        dispatcher.start()
        dispatcher.sink([Event(id=1, user_id=user.id, type="task.created", data={"task": {}})])
        got = receiver.wait_for(1, timeout=15)
    assert got, "the event that arrived during the outage was never delivered"
    warnings = [r for r in caplog.records if r.name == "behflow.webhooks"]
    assert [r.levelno for r in warnings] == [logging.WARNING, logging.WARNING], caplog.text
    assert "paused" in warnings[0].getMessage() and "resumed" in warnings[1].getMessage()
    assert not any(r.exc_info for r in warnings), "a traceback was logged"

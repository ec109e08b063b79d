"""The claimed-work primitive both the process engine and webhook deliveries use."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

from sqlmodel import Session

from behflow_server.auth.models import User
from behflow_server.claims import MAX_BACKOFF, backoff, compare_and_set
from behflow_server.processes import service as processes
from behflow_server.processes.models import AutomatedProcess


def test_backoff_doubles_from_the_base_and_is_capped() -> None:
    assert [backoff(10, n) for n in (1, 2, 3, 4)] == [
        timedelta(seconds=s) for s in (10, 20, 40, 80)
    ]
    assert backoff(30, 0) == timedelta(seconds=30)
    assert backoff(10, 40) == MAX_BACKOFF
    assert backoff(10, 10_000) == MAX_BACKOFF  # no overflow however many attempts


def test_compare_and_set_moves_a_row_once(session: Session, make_user: Callable[..., User]) -> None:
    user = make_user()
    process = processes.get_process(session, user, "analytics")
    slot = process.next_run_at
    first = compare_and_set(
        session, AutomatedProcess, process.id, {"next_run_at": slot}, next_run_at=None
    )
    second = compare_and_set(
        session, AutomatedProcess, process.id, {"next_run_at": slot}, next_run_at=None
    )
    session.commit()
    assert (first, second) == (True, False)
    assert not compare_and_set(session, AutomatedProcess, uuid.uuid4(), {}, enabled=False)
    session.expire_all()
    assert processes.get_process(session, user, "analytics").next_run_at is None

"""Claimed work, written once: compare-and-set state changes and retry back-off.

A row of work (a process execution, a webhook delivery) moves on only if it is still in the
state its mover read: `UPDATE ... WHERE id = :id AND <column> = <value read> ...`. One row
changed means the move is ours; none means another worker (thread, process or replica) moved
it first, and the loser does nothing. No lock is held between reading and moving.

Back-off is a pure function of the attempt number rather than a library's: the retry "loop"
spans processes and replicas through the store (the next attempt's time is a column), while
retry libraries such as tenacity compute their waits from the state of a loop they run
themselves, so using one here would mean faking that state to get `base * 2**(n-1)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from behflow_server.db import rowcount, table_of

# However many attempts: never wait longer than this between two.
MAX_BACKOFF = timedelta(hours=6)


def compare_and_set(
    session: Session,
    model: type[SQLModel],
    key: Any,
    expected: Mapping[str, Any],
    **values: Any,
) -> bool:
    """Set `values` on the `model` row with primary key `key` if its columns still hold
    `expected`; True when this call made the change (the caller commits)."""
    table = table_of(model)
    conditions = [table.c.id == key, *(table.c[name] == value for name, value in expected.items())]
    result = session.execute(sa.update(table).where(*conditions).values(**values))
    return rowcount(result) == 1


def backoff(base_seconds: float, attempt: int) -> timedelta:
    """How long to wait after failed attempt number `attempt` (1, 2, ...): base, 2x, 4x..."""
    exponent = min(max(0, attempt - 1), 64)
    return timedelta(seconds=min(base_seconds * 2**exponent, MAX_BACKOFF.total_seconds()))

#!/usr/bin/env python3
"""A/B for issue #14: a list page of 50 (of 10,000 tasks, a third of them subtasks) read with
`parent` and subtask progress, against the same page without them; 300 interleaved runs
in-process, so both sides see the same machine load.

    .venv/bin/python bench/subtasks_page.py [postgresql://postgres@127.0.0.1:5432/DBNAME]
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from behflow_server.auth.models import User
from behflow_server.db import Database
from behflow_server.migrate import upgrade
from behflow_server.tasks import query as q
from behflow_server.tasks.models import Task

RUNS = 300


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def run(url: str, size: int = 10_000) -> None:
    db = Database(url)
    upgrade(db.engine)
    with db.session() as session:
        name = f"bench{uuid.uuid4().hex[:6]}"
        user = User(username=name, username_key=name, password_hash="x", timezone="UTC")
        session.add(user)
        session.commit()
        now = datetime.now(UTC)
        ids: list[uuid.UUID] = []
        rows: list[dict[str, Any]] = []
        for number in range(1, size + 1):
            task_id = uuid.uuid4()
            parent = random.choice(ids) if ids and number % 3 == 0 else None
            ids.append(task_id)
            rows.append(
                {
                    "id": task_id,
                    "user_id": user.id,
                    "number": number,
                    "title": f"Task {number}",
                    "status": "not_started",
                    "priority": "none",
                    "due_at": now + timedelta(hours=number),
                    "tags": [],
                    "extra": {},
                    "created_at": now,
                    "updated_at": now,
                    "parent_id": parent,
                }
            )
        session.execute(sa.insert(Task), rows)
        session.commit()
        if db.engine.dialect.name != "sqlite":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("ANALYZE tasks")
        query = q.TaskQuery(limit=50)
        zone = ZoneInfo("UTC")
        real_select = q.public_select
        plain_columns = q._PUBLIC_COLUMNS

        def with_subtasks() -> object:
            return q.select_page(session, user.id, query, zone, data_version=1)

        def without() -> object:
            q.public_select = lambda: sa.select(*plain_columns)
            try:
                return q.select_page(session, user.id, query, zone, data_version=1)
            finally:
                q.public_select = real_select

        samples: dict[Callable[[], object], list[float]] = {without: [], with_subtasks: []}
        for _ in range(RUNS):
            for read, times in samples.items():
                start = time.perf_counter()
                read()
                times.append(time.perf_counter() - start)
        a, b = samples[without], samples[with_subtasks]
        print(
            f"{db.engine.dialect.name}: list of 50 of {size}: median without parent/progress "
            f"{_median_ms(a):.2f} ms, with {_median_ms(b):.2f} ms "
            f"(p90 {sorted(a)[RUNS * 9 // 10] * 1000:.2f} / {sorted(b)[RUNS * 9 // 10] * 1000:.2f})"
        )
    db.dispose()


if __name__ == "__main__":
    run(f"sqlite:///{tempfile.mkdtemp()}/bench.db")
    if len(sys.argv) > 1:
        run(sys.argv[1])

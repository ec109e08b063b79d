"""Benchmark of the automation engine on a fresh store (SQLite, or PostgreSQL with --database).

    .venv/bin/python bench/automation.py [--database URL] [--users 300] [--tasks 5000]

Prints: one scheduler tick claiming and running every account's due `reminders` run (runs per
second, inline, one thread); one `reminders` run over an account with many open tasks of which
a tenth are due a reminder; the same run again (all already sent); and webhook latency from a
committed task change to a local receiver's 2xx (median and p95 over 50 deliveries).
WARNING: with --database the database is emptied first.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlmodel import col, select  # noqa: E402

from behflow_server.auth.models import User  # noqa: E402
from behflow_server.config import Settings, normalize_database_url  # noqa: E402
from behflow_server.db import Database  # noqa: E402
from behflow_server.migrate import upgrade  # noqa: E402
from behflow_server.models import metadata  # noqa: E402
from behflow_server.processes import defaults  # noqa: E402
from behflow_server.processes import service as processes  # noqa: E402
from behflow_server.processes.models import AutomatedProcess  # noqa: E402
from behflow_server.scheduler import Scheduler  # noqa: E402
from behflow_server.tasks import service as tasks  # noqa: E402
from behflow_server.tasks.models import Task, TaskCreate  # noqa: E402
from behflow_server.webhooks.delivery import WebhookDispatcher  # noqa: E402
from behflow_server.webhooks.models import Webhook, WebhookDelivery  # noqa: E402
from tests.automation.receiver import Receiver  # noqa: E402

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _store(url: str | None, tmp: Path) -> Database:
    database = Database(normalize_database_url(url) if url else f"sqlite:///{tmp / 'b.db'}")
    upgrade(database.engine)
    if url:
        with database.engine.begin() as connection:
            names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
            connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    return database


def _users(database: Database, count: int) -> list[User]:
    made = []
    with database.session() as session:
        for index in range(count):
            user = User(username=f"u{index}", username_key=f"u{index}", password_hash="x")
            session.add(user)
            session.flush()
            defaults.create_for_user(session, user)
            made.append(user)
        session.commit()
        # Every account's reminders are due at NOW.
        session.execute(
            sa.update(AutomatedProcess)
            .where(col(AutomatedProcess.kind) == "reminders")
            .values(next_run_at=NOW)
        )
        session.execute(
            sa.update(AutomatedProcess)
            .where(col(AutomatedProcess.kind) != "reminders")
            .values(next_run_at=NOW + timedelta(days=1))
        )
        session.commit()
    return made


def bench_tick(database: Database, settings: Settings, users: int) -> str:
    scheduler = Scheduler(database, settings, clock=lambda: NOW, inline=True, worker="bench")
    scheduler.tick()  # becomes the leader, creates the system process
    _users(database, users)
    started = time.perf_counter()
    ran = scheduler.tick()
    elapsed = time.perf_counter() - started
    scheduler.stop()
    rate = len(ran) / elapsed
    return f"tick: {len(ran)} due runs claimed and run in {elapsed:.2f} s ({rate:.0f} runs/s)"


def bench_reminders(database: Database, settings: Settings, count: int) -> list[str]:
    with database.session() as session:
        user = session.exec(select(User).where(col(User.username_key) == "u0")).one()
        rows = [
            Task(
                user_id=user.id,
                number=100_000 + index,
                title=f"task {index}",
                due_at=NOW + timedelta(minutes=10 if index % 10 == 0 else 24 * 60 + index),
            )
            for index in range(count)
        ]
        session.add_all(rows)
        session.commit()
    lines = []
    for label in ("first run", "second run (all sent)"):
        with database.session() as session:
            user = session.exec(select(User).where(col(User.username_key) == "u0")).one()
            started = time.perf_counter()
            execution = processes.run_now(
                database, session, user, "reminders", settings=settings, clock=lambda: NOW
            )
            elapsed = time.perf_counter() - started
        lines.append(
            f"reminders {label}: {count} open tasks, {execution.result['count']} reminded "
            f"in {elapsed * 1000:.0f} ms"
        )
    return lines


def bench_webhooks(database: Database, settings: Settings, samples: int = 50) -> str:
    # The local receiver is on loopback, which the outbound policy refuses unless allowed.
    settings = settings.model_copy(update={"outbound_allow": ["127.0.0.1/32"]})
    dispatcher = WebhookDispatcher(database, settings)
    dispatcher.start()
    latencies = []
    with Receiver() as receiver, database.session() as session:
        user = session.exec(select(User).where(col(User.username_key) == "u1")).one()
        session.add(Webhook(user_id=user.id, url=receiver.url, secret="s" * 64))
        session.commit()
        for index in range(samples):
            started = time.perf_counter()
            tasks.create_task(session, user, TaskCreate(title=f"hook {index}"))
            receiver.wait_for(index + 1)
            latencies.append(time.perf_counter() - started)
    dispatcher.stop()
    with database.session() as session:
        delivered = session.exec(
            select(sa.func.count()).where(col(WebhookDelivery.status) == "delivered")
        ).one()
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    return (
        f"webhooks: {delivered}/{samples} delivered; commit to receiver median "
        f"{statistics.median(latencies) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", help="a PostgreSQL URL (emptied first!)")
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--tasks", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database = _store(args.database, Path(tmp))
        settings = Settings(
            data_dir=Path(tmp),
            database_url=database.url,
            secret_key="x" * 64,  # type: ignore[arg-type]
        )
        print(f"store: {database.kind}")
        print(bench_tick(database, settings, args.users))
        for line in bench_reminders(database, settings, args.tasks):
            print(line)
        print(bench_webhooks(database, settings))
        database.dispose()


if __name__ == "__main__":
    main()

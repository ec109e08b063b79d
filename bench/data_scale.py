#!/usr/bin/env python3
"""Data-scale benchmark (issues #14 and #15): list, search and a filtered list of 50 rows at
100,000 tasks for one user and among 1,000 users x 1,000 tasks, on SQLite and PostgreSQL.

    .venv/bin/python bench/data_scale.py [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
        [--single 100000] [--users 1000] [--per-user 1000] [--requests 300] [--fresh]

One server process per store; requests are sent one at a time (unloaded latency) and timed
at the client; p50 and p99 are printed against the 20 ms target. The seed (bulk Core inserts)
is kept under $TMPDIR/behflow-data-scale (SQLite) or in the scratch database
`behflow_data_scale` (PostgreSQL) and reused on the next run unless --fresh.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from behflow_server.config import normalize_database_url  # noqa: E402
from behflow_server.db import Database  # noqa: E402
from behflow_server.migrate import upgrade  # noqa: E402
from behflow_server.tasks.models import Task  # noqa: E402
from tests.support.live import LiveServer  # noqa: E402

TARGET_MS = 20.0
PASSWORD = "bench password"
FILTER = "project:work +urgent due.before:eow status:open"
WORDS = [
    *("call", "email", "write", "review", "plan", "book", "pay", "buy"),
    *("fix", "clean", "read", "prepare", "send", "order", "check"),
]
RARE = [f"{a}{b}" for a in ("zor", "quil", "mav", "tesh", "brin") for b in ("ak", "eth", "umo")]
PROJECTS = [None, None, "home", "work", "work.q1", "side", "errands"]
TAGS = ["home", "work", "errand", "health", "money", "urgent", "waiting"]
STATUSES = ["not_started"] * 6 + ["in_progress", "blocked", "completed", "completed"]
PRIORITIES = ["none", "none", "low", "medium", "high", "urgent"]


def _user_row(database: Database, name: str, count: int, password_hash: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    user_id = uuid.uuid4()
    pg = database.kind == "postgresql"
    return {
        "id": user_id if pg else user_id.hex,
        "uuid": user_id,
        "u": name,
        "h": password_hash,
        "n": count,
        "now": now if pg else now.replace(tzinfo=None),
    }


def _tasks(
    rng: random.Random, user_id: uuid.UUID, count: int, now: datetime
) -> list[dict[str, Any]]:
    rows = []
    for number in range(1, count + 1):
        status = rng.choice(STATUSES)
        created = now - timedelta(minutes=count - number)
        rows.append(
            {
                "id": uuid.uuid4(),
                "user_id": user_id,
                "number": number,
                "title": " ".join(
                    [rng.choice(WORDS)] + [rng.choice(RARE) for _ in range(rng.randint(1, 2))]
                ).capitalize(),
                "description": " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 6)))
                or None,
                "status": status,
                "priority": rng.choice(PRIORITIES),
                "due_at": now + timedelta(hours=rng.randint(-500, 2000))
                if rng.random() < 0.6
                else None,
                "tags": rng.sample(TAGS, rng.randint(0, 2)),
                "project": rng.choice(PROJECTS),
                "recurrence": None,
                "remind_at": None,
                "recurrence_parent_id": None,
                "extra": {},
                "created_at": created,
                "updated_at": created,
                "completed_at": created if status == "completed" else None,
                "archived_at": None,
            }
        )
    return rows


def seed(url: str, single: int, users: int, per_user: int) -> list[str]:
    """The usernames: [the one with `single` tasks, then the `users` others]."""
    database = Database(url)
    upgrade(database.engine)
    names = [f"scale{single}"] + [f"scale{users}x{per_user}-{i:04d}" for i in range(users)]
    counts = [single] + [per_user] * users
    with database.engine.connect() as connection:
        found = connection.execute(
            sa.text("SELECT count(*) FROM users WHERE username LIKE 'scale%'")
        ).scalar_one()
        tasks = connection.execute(sa.text("SELECT count(*) FROM tasks")).scalar_one()
    if found == len(names) and tasks == sum(counts):
        print(f"  reusing the seed ({tasks:,} tasks, {found:,} users)", flush=True)
        database.dispose()
        return names
    from behflow_server.auth.security import hash_password

    started = time.monotonic()
    with database.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM tasks"))
        connection.execute(sa.text("DELETE FROM users WHERE username LIKE 'scale%'"))
    password_hash = hash_password(PASSWORD)
    rng = random.Random(7)
    now = datetime.now(UTC)
    table = Task.__table__  # type: ignore[attr-defined]
    for name, count in zip(names, counts, strict=True):
        row = _user_row(database, name, count, password_hash)
        with database.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO users (id, username, username_key, password_hash, timezone, "
                    "token_version, task_counter, is_system, created_at, updated_at) "
                    "VALUES (:id, :u, :u, :h, 'UTC', 0, :n, false, :now, :now)"
                ),
                row,
            )
            rows = _tasks(rng, row["uuid"], count, now)
            for start in range(0, len(rows), 5000):
                connection.execute(table.insert(), rows[start : start + 5000])
    with database.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE tasks" if database.kind == "postgresql" else "ANALYZE")
    print(f"  seeded {sum(counts):,} tasks in {time.monotonic() - started:.0f} s", flush=True)
    database.dispose()
    return names


def _timed(client: httpx.Client, tokens: list[str], params: dict[str, str], n: int) -> list[float]:
    times = []
    for i in range(n + 20):
        headers = {"Authorization": f"Bearer {tokens[i % len(tokens)]}"}
        started = time.perf_counter()
        response = client.get("/api/v1/tasks", params=params, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        response.raise_for_status()
        if i >= 20:  # the first requests warm caches and connections
            times.append(elapsed)
    return times


def measure(url: str, kind: str, args: argparse.Namespace, workdir: Path) -> list[tuple[str, ...]]:
    names = seed(url, args.single, args.users, args.per_user)
    env = {
        "BEHFLOW_DATABASE_URL": url,
        "BEHFLOW_DATA_DIR": str(workdir),
        "BEHFLOW_SCHEDULER_ENABLED": "false",
        "BEHFLOW_LOG_LEVEL": "warning",
        "BEHFLOW_SECRET_KEY": "bench-secret-key-bench-secret-key-0123456789",
    }
    server = LiveServer(env, workdir / f"server-{kind}.log").start()
    rows: list[tuple[str, ...]] = []
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:

            def login(name: str) -> str:
                answer = client.post("/login", json={"username": name, "password": PASSWORD})
                answer.raise_for_status()
                token: str = answer.json()["access_token"]
                return token

            sampled = random.Random(1).sample(names[1:], min(20, len(names) - 1))
            groups = {
                f"1 user x {args.single:,}": [login(names[0])],
                f"{args.users:,} users x {args.per_user:,}": [login(n) for n in sampled],
            }
            cases = {
                "list": {"limit": "50"},
                "search": {"limit": "50", "search": RARE[4]},
                "filtered": {"limit": "50", "q": FILTER},
            }
            for group, tokens in groups.items():
                for case, params in cases.items():
                    total = client.get(
                        "/api/v1/tasks",
                        params=params,
                        headers={"Authorization": f"Bearer {tokens[0]}"},
                    ).json()["total"]
                    times = sorted(_timed(client, tokens, params, args.requests))
                    p50 = statistics.median(times)
                    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
                    verdict = "ok" if p50 < TARGET_MS else "OVER"
                    row = (kind, group, case, f"{total:,}", f"{p50:.2f}", f"{p99:.2f}", verdict)
                    print("  " + " | ".join(row), flush=True)
                    rows.append(row)
    finally:
        server.stop()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL server URL; a scratch database is used")
    parser.add_argument("--single", type=int, default=100_000, help="tasks of the one big user")
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--per-user", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=300, help="timed requests per figure")
    parser.add_argument("--fresh", action="store_true", help="seed again")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--pg-database", default="behflow_data_scale", help="the scratch database")
    args = parser.parse_args()
    cache = Path(tempfile.gettempdir()) / "behflow-data-scale"
    cache.mkdir(exist_ok=True)
    stores: list[tuple[str, str]] = []
    if not args.skip_sqlite:
        db_file = cache / f"sqlite-{args.single}-{args.users}x{args.per_user}.db"
        if args.fresh and db_file.exists():
            db_file.unlink()
        stores.append(("sqlite", f"sqlite:///{db_file}"))
    if args.postgres:
        base = normalize_database_url(args.postgres)
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            exists = connection.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": args.pg_database},
            ).first()
            if exists and args.fresh:
                connection.exec_driver_sql(f'DROP DATABASE "{args.pg_database}" WITH (FORCE)')
                exists = None
            if not exists:
                connection.exec_driver_sql(f'CREATE DATABASE "{args.pg_database}"')
        admin.dispose()
        stores.append(("postgresql", base.rsplit("/", 1)[0] + "/" + args.pg_database))
    print(f"filtered: q={FILTER!r}; target p50 < {TARGET_MS:.0f} ms", flush=True)
    print("  store | data | request | matches | p50 ms | p99 ms | target", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for kind, url in stores:
            measure(url, kind, args, Path(tmp))


if __name__ == "__main__":
    main()

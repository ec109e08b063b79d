#!/usr/bin/env python3
"""Per-user task numbers under load: many creates by ONE user from two servers on one
PostgreSQL database (issue #10, point 9), the case the per-user number counter serialises.

Starts `--servers` uvicorn processes (one worker each) on a scratch database next to the one
given, registers one account, then for `--duration` seconds keeps `--connections` creates in
flight against each server (an asyncio httpx client on loopback). Prints requests per second
and p50/p99 latency per server, and checks the numbers handed out: every create answered 201,
no number twice, and how many numbers were skipped.

    .venv/bin/python bench/task_numbers.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
        [--servers 2] [--connections 8] [--duration 10]

The scratch database `<name>_numbers_bench` is dropped and re-created on each run.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from behflow_server.config import normalize_database_url  # noqa: E402
from behflow_server.db import Database  # noqa: E402
from behflow_server.migrate import upgrade  # noqa: E402
from tests.support.live import LiveServer  # noqa: E402

SECRET = "bench-secret-key-that-is-long-enough-for-hs256-0123456789"


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def scratch_database(url: str) -> str:
    """A fresh, migrated database beside the one in `url`; returns its URL."""
    base = make_url(normalize_database_url(url))
    name = f"{base.database or 'postgres'}_numbers_bench"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    scratch = base.set(database=name).render_as_string(hide_password=False)
    database = Database(scratch)
    upgrade(database.engine)
    database.dispose()
    return scratch


async def creates(
    client: httpx.AsyncClient, token: str, deadline: float, tally: Tally, worker: int
) -> None:
    """Create tasks one after another until `deadline`, timing each."""
    headers = {"Authorization": f"Bearer {token}"}
    sent = 0
    while time.monotonic() < deadline:
        sent += 1
        start = time.perf_counter()
        response = await client.post(
            "/api/v1/tasks", headers=headers, json={"title": f"load {worker}-{sent}"}
        )
        tally.latencies.append(time.perf_counter() - start)
        if response.status_code == 201:
            tally.numbers.append(response.json()["number"])
        else:
            tally.errors.append(f"{response.status_code} {response.text[:200]}")


async def load(
    urls: list[str], tokens: list[str], connections: int, duration: float
) -> tuple[list[Tally], float]:
    """`tokens[i]` is connection i's account (one account for all, or one each)."""
    token = tokens[0]  # the warm-up's
    tallies = [Tally() for _ in urls]
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    clients = [httpx.AsyncClient(base_url=u, limits=limits, timeout=60) for u in urls]
    try:
        for client in clients:  # warm up: first-request costs paid before the clock starts
            for _ in range(5):
                await client.post(
                    "/api/v1/tasks",
                    headers={"Authorization": f"Bearer {token}"},
                    json={"title": "warm-up"},
                )
        started = time.monotonic()
        deadline = started + duration
        await asyncio.gather(
            *(
                creates(
                    client,
                    tokens[(index * connections + worker) % len(tokens)],
                    deadline,
                    tally,
                    index * 1000 + worker,
                )
                for index, (client, tally) in enumerate(zip(clients, tallies, strict=True))
                for worker in range(connections)
            )
        )
        elapsed = time.monotonic() - started
    finally:
        for client in clients:
            await client.aclose()
    return tallies, elapsed


class LockSampler(threading.Thread):
    """Every 5 ms, how many of the database's sessions wait for a lock, and for which kind
    (`tuple`/`transactionid`: a row, here the user's counter row; `object`: e.g. the
    LISTEN/NOTIFY queue): the queue the counter builds, apart from CPU."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        self.samples: list[int] = []
        self.kinds: Counter[str] = Counter()
        self.stop = threading.Event()

    def run(self) -> None:
        query = sa.text(
            "SELECT wait_event FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        with self.engine.connect() as connection:
            while not self.stop.wait(0.005):
                waiting = list(connection.execute(query).scalars())
                self.samples.append(len(waiting))
                self.kinds.update(waiting)
        self.engine.dispose()


def register(url: str, username: str) -> str:
    response = httpx.post(
        f"{url}/register",
        json={"username": username, "password": "bench password", "timezone": "UTC"},
        timeout=60,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", required=True, help="a PostgreSQL URL (its server is used)")
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8, help="creates in flight per server")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds, at most 60")
    parser.add_argument(
        "--users",
        choices=["one", "each"],
        default="one",
        help="one account for every connection (the contended case), or one per connection "
        "(the control: no shared counter)",
    )
    args = parser.parse_args()
    duration = min(args.duration, 60.0)
    url = scratch_database(args.postgres)
    workdir = Path(tempfile.mkdtemp(prefix="behflow-numbers-"))
    env = {
        "BEHFLOW_DATABASE_URL": url,
        "BEHFLOW_DATA_DIR": str(workdir),
        "BEHFLOW_SECRET_KEY": SECRET,
        "BEHFLOW_SCHEDULER_ENABLED": "false",
        "BEHFLOW_LOG_LEVEL": "warning",
    }
    servers = [
        LiveServer(env, workdir / f"server{i}.log").start() for i in range(max(1, args.servers))
    ]
    try:
        accounts = 1 if args.users == "one" else len(servers) * args.connections
        tokens = [register(servers[0].url, f"bench{i}") for i in range(accounts)]
        sampler = LockSampler(url)
        sampler.start()
        try:
            tallies, elapsed = asyncio.run(
                load([s.url for s in servers], tokens, args.connections, duration)
            )
        finally:
            sampler.stop.set()
            sampler.join()
    finally:
        for server in servers:
            server.stop()

    who = "one user" if args.users == "one" else "one user per connection"
    print(f"{len(servers)} servers x {args.connections} connections, {elapsed:.1f} s, {who}")
    print("| server | creates | req/s | p50 ms | p99 ms | errors |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for index, tally in enumerate(tallies, 1):
        lat = tally.latencies
        print(
            f"| {index} | {len(tally.numbers)} | {len(lat) / elapsed:.0f} | "
            f"{statistics.median(lat) * 1000:.1f} | {percentile(lat, 0.99) * 1000:.1f} | "
            f"{len(tally.errors)} |"
        )
    every = [n for tally in tallies for n in tally.numbers]
    waits = sampler.samples or [0]
    print(
        f"waiting for a lock: mean {statistics.fmean(waits):.2f} sessions, "
        f"max {max(waits)}, some waiting in {sum(1 for w in waits if w) / len(waits):.0%} "
        f"of {len(waits)} samples; by kind: {dict(sampler.kinds.most_common())}"
    )
    database = Database(url)
    with database.engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT user_id, number FROM tasks").all()
        counters = dict(connection.exec_driver_sql("SELECT id, task_counter FROM users").all())
    database.dispose()
    stored = [number for _, number in rows]
    duplicates = len(rows) - len(set(rows))
    # Numbers handed out (each account's counter) but not on a stored task.
    skipped = sum(counters.values()) - len(rows)
    print(
        f"all: {len(every) / elapsed:.0f} creates/s; {len(stored)} tasks stored, "
        f"highest number {max(stored) if stored else 0}, {duplicates} duplicate(s), "
        f"{skipped} skipped"
    )
    for error in sorted(set(e for t in tallies for e in t.errors))[:5]:
        print("error:", error)
    if duplicates or any(t.errors for t in tallies):
        sys.exit(1)


if __name__ == "__main__":
    main()

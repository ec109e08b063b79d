#!/usr/bin/env python3
"""Behflow measured together: PostgreSQL, 1 then 2 server processes behind nginx, and a
bounded mixed load (loopback only) with 100 live event subscribers.

    .venv/bin/python bench/replicas.py [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
        [--duration 30] [--kill-duration 30] [--workers 16] [--users 10] [--subscribers 100]

For 1 and for 2 replicas (nginx round-robin over them) it runs `--duration` seconds of mixed
requests (reads 60 %, writes 35 %, chat messages 5 %) from `--workers` concurrent clients
while `--subscribers` SSE streams (GET /api/v1/events) stay open, and reports requests/s,
p50/p99 per kind, and whether every subscriber got every event of its user, in order. Then,
with 2 replicas, it kills one (SIGKILL) a third of the way into `--kill-duration` and checks
that no acknowledged write is lost and that the streams cut by the kill resumed from
Last-Event-ID on the other replica with nothing missing. Each user has a process scheduled
every 2 s: every slot must have run exactly once across the replicas (and across the kill).

nginx comes from Debian (`apt-get install -y nginx-light`, done here when missing and root).
A fresh database is created on the server of --postgres and dropped at the end.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from httpx_sse import aconnect_sse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from behflow_server.config import normalize_database_url  # noqa: E402
from behflow_server.db import Database  # noqa: E402
from behflow_server.migrate import upgrade  # noqa: E402
from tests.support.live import LiveServer, free_port  # noqa: E402

SECRET = "bench-replicas-secret-key-long-enough-for-hs256-0123456789abcdef"
PASSWORD = "bench password"
CHAT_MESSAGES = ["list my tasks", "what is due today", "show my open tasks", "add buy milk"]


# --- nginx ---------------------------------------------------------------------------------


def ensure_nginx() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found:
        return found
    if os.geteuid() != 0:
        raise SystemExit("nginx is missing: apt-get install -y nginx-light")
    subprocess.run(["apt-get", "install", "-y", "nginx-light"], check=True)
    return shutil.which("nginx") or "/usr/sbin/nginx"


NGINX_CONF = """
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
{user}
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    upstream behflow {{
{servers}
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://behflow;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            # Server-Sent Events: no buffering, streams may stay open for an hour.
            proxy_buffering off;
            proxy_cache off;
            proxy_read_timeout 1h;
            # A replica that refuses the connection: the next one (idempotent requests only).
            proxy_next_upstream error timeout http_502;
            proxy_connect_timeout 2s;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


class Nginx:
    def __init__(self, binary: str, upstream_ports: list[int], home: Path) -> None:
        self.port = free_port()
        self.prefix = home / f"nginx-{len(upstream_ports)}"
        self.prefix.mkdir(parents=True, exist_ok=True)
        servers = "\n".join(
            f"        server 127.0.0.1:{p} max_fails=3 fail_timeout=5s;" for p in upstream_ports
        )
        user = "user root;" if os.geteuid() == 0 else ""
        conf = NGINX_CONF.format(prefix=self.prefix, servers=servers, port=self.port, user=user)
        (self.prefix / "nginx.conf").write_text(conf)
        self.process = subprocess.Popen(
            [binary, "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/livez", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise SystemExit(f"nginx did not start: {(self.prefix / 'error.log').read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


# --- load ----------------------------------------------------------------------------------


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    acknowledged: list[tuple[str, str]] = field(default_factory=list)  # (user, title)
    timeline: list[tuple[float, str, bool]] = field(default_factory=list)

    def total(self) -> int:
        return sum(len(v) for v in self.latencies.values())


@dataclass
class User:
    name: str
    headers: dict[str, str]
    numbers: list[int] = field(default_factory=list)


async def worker(
    client: httpx.AsyncClient, users: list[User], stats: Stats, stop: float, rng: random.Random
) -> None:
    counter = 0
    while time.monotonic() < stop:
        user = rng.choice(users)
        roll = rng.random()
        counter += 1
        started = time.perf_counter()
        kind = "request"
        response: httpx.Response | None = None
        try:
            if roll < 0.05:
                kind = "chat"
                response = await client.post(
                    "/api/v1/chat",
                    json={"message": rng.choice(CHAT_MESSAGES)},
                    headers=user.headers,
                )
                ok = response.status_code == 200
            elif roll < 0.30:
                kind = "create"
                title = f"{user.name}-{uuid.uuid4().hex[:12]}"
                response = await client.post(
                    "/api/v1/tasks", json={"title": title}, headers=user.headers
                )
                ok = response.status_code == 201
                if ok:
                    stats.acknowledged.append((user.name, title))
                    user.numbers.append(response.json()["number"])
            elif roll < 0.40 and user.numbers:
                kind = "update"
                number = rng.choice(user.numbers)
                response = await client.patch(
                    f"/api/v1/tasks/{number}",
                    json={"priority": rng.choice(["low", "medium", "high"])},
                    headers=user.headers,
                )
                ok = response.status_code == 200
            elif roll < 0.70 and user.numbers:
                kind = "get"
                number = rng.choice(user.numbers)
                response = await client.get(f"/api/v1/tasks/{number}", headers=user.headers)
                ok = response.status_code == 200
            else:
                kind = "list"
                response = await client.get("/api/v1/tasks?limit=50", headers=user.headers)
                ok = response.status_code == 200
        except httpx.HTTPError as exc:
            ok = False
            response = None
            stats.errors[f"{kind}:{type(exc).__name__}"] += 1
        elapsed = time.perf_counter() - started
        stats.timeline.append((time.monotonic(), kind, ok))
        if ok:
            stats.latencies[kind].append(elapsed)
        elif response is not None:
            stats.errors[f"{kind}:{response.status_code}"] += 1


@dataclass
class Subscriber:
    user: User
    start_cursor: int | None = None
    received: list[int] = field(default_factory=list)
    connections: int = 0
    upstreams: list[str] = field(default_factory=list)  # the replica of each connection
    ready: asyncio.Event = field(default_factory=asyncio.Event)


async def subscribe(client: httpx.AsyncClient, sub: Subscriber, stop: asyncio.Event) -> None:
    last: str | None = None
    while not stop.is_set():
        headers = dict(sub.user.headers)
        if last is not None:
            headers["Last-Event-ID"] = last
        try:
            async with aconnect_sse(client, "GET", "/api/v1/events", headers=headers) as source:
                if source.response.status_code != 200:
                    await asyncio.sleep(0.5)
                    continue
                sub.connections += 1
                sub.upstreams.append(source.response.headers.get("x-upstream", "?"))
                async for event in source.aiter_sse():
                    if stop.is_set():
                        return
                    if event.event == "ready":
                        if sub.start_cursor is None:
                            sub.start_cursor = int(json.loads(event.data)["last_event_id"])
                        sub.ready.set()
                        last = event.id or last
                        continue
                    if event.event == "reset":
                        last = event.id or last
                        continue
                    # httpx-sse turns each heartbeat comment into an empty event carrying the
                    # last id again (the spec keeps the last id): not an event.
                    if event.id and event.data:
                        sub.received.append(int(event.id))
                        last = event.id
        except (httpx.HTTPError, asyncio.CancelledError):
            if stop.is_set():
                return
        await asyncio.sleep(0.2)  # the stream ended (a replica went away): reconnect


def check_events(
    engine: sa.Engine, subs: list[Subscriber], user_ids: dict[str, str]
) -> dict[str, int]:
    """Every subscriber got every event of its user after its start cursor, in order."""
    missing = out_of_order = duplicates = 0
    with engine.connect() as connection:
        for sub in subs:
            if sub.start_cursor is None:
                missing += 1
                continue
            expected = [
                row[0]
                for row in connection.execute(
                    sa.text("SELECT id FROM events WHERE user_id = :u AND id > :c ORDER BY id"),
                    {"u": user_ids[sub.user.name], "c": sub.start_cursor},
                )
            ]
            got = sub.received
            duplicates += len(got) - len(set(got))
            out_of_order += sum(1 for a, b in itertools.pairwise(got) if b <= a)
            missing += len(set(expected) - set(got))
    return {"missing": missing, "out_of_order": out_of_order, "duplicates": duplicates}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(stats: Stats, seconds: float) -> dict[str, Any]:
    everything = [v for values in stats.latencies.values() for v in values]
    return {
        "requests_per_second": round(stats.total() / seconds, 1),
        "p50_ms": round(percentile(everything, 0.50) * 1000, 1),
        "p99_ms": round(percentile(everything, 0.99) * 1000, 1),
        "errors": dict(stats.errors),
        "by_kind": {
            kind: {
                "n": len(values),
                "p50_ms": round(percentile(values, 0.5) * 1000, 1),
                "p99_ms": round(percentile(values, 0.99) * 1000, 1),
            }
            for kind, values in sorted(stats.latencies.items())
        },
    }


async def run_phase(
    url: str,
    users: list[User],
    *,
    seconds: float,
    workers: int,
    subscribers: int,
    kill: LiveServer | None = None,
) -> tuple[Stats, list[Subscriber], dict[str, Any]]:
    limits = httpx.Limits(max_connections=workers + subscribers + 10)
    timeout = httpx.Timeout(30.0, read=None)
    async with (
        httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) as streams,
        httpx.AsyncClient(base_url=url, limits=limits, timeout=30.0) as client,
    ):
        stop_streams = asyncio.Event()
        subs = [Subscriber(users[i % len(users)]) for i in range(subscribers)]
        tasks = [asyncio.create_task(subscribe(streams, s, stop_streams)) for s in subs]
        await asyncio.wait_for(asyncio.gather(*(s.ready.wait() for s in subs)), 60)
        stats = Stats()
        rng = random.Random(7)
        started = time.monotonic()
        stop = started + seconds
        load = [
            asyncio.create_task(worker(client, users, stats, stop, random.Random(rng.random())))
            for _ in range(workers)
        ]
        kill_info: dict[str, Any] = {}
        if kill is not None:
            await asyncio.sleep(seconds / 3)
            kill.kill()
            kill_info["killed_at_s"] = round(time.monotonic() - started, 1)
        await asyncio.gather(*load)
        elapsed = time.monotonic() - started
        await asyncio.sleep(3)  # let the last events reach the streams
        stop_streams.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    if kill is not None:
        killed = kill_info["killed_at_s"] + started
        after = [(t, ok) for t, _, ok in stats.timeline if t >= killed]
        first_seconds = [ok for t, ok in after if t < killed + 5]
        kill_info["failed_requests_first_5s_after_kill"] = first_seconds.count(False)
        kill_info["requests_first_5s_after_kill"] = len(first_seconds)
        kill_info["failed_requests_after_5s"] = sum(
            1 for t, ok in after if t >= killed + 5 and not ok
        )
    return stats, subs, {"elapsed": elapsed, **kill_info}


# --- set-up --------------------------------------------------------------------------------


def fresh_database(base: str) -> tuple[str, str]:
    name = f"behflow_bench_replicas_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(normalize_database_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    admin.dispose()
    return base.rsplit("/", 1)[0] + f"/{name}", name


def drop_database(base: str, name: str) -> None:
    admin = sa.create_engine(normalize_database_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


def start_servers(url: str, count: int, home: Path) -> list[LiveServer]:
    env = {
        "BEHFLOW_DATABASE_URL": url,
        "BEHFLOW_SECRET_KEY": SECRET,
        "BEHFLOW_REGISTRATION": "open",
        "BEHFLOW_SCHEDULER_ENABLED": "true",
        "BEHFLOW_SCHEDULER_TICK_SECONDS": "0.5",
        "BEHFLOW_SCHEDULER_MIN_INTERVAL_SECONDS": "1",
        "BEHFLOW_LOG_LEVEL": "warning",
        "BEHFLOW_EXPENSIVE_REQUESTS_PER_USER": "4",
        "BEHFLOW_EVENTS_MAX_STREAMS_PER_USER": "50",
        "BEHFLOW_LOGIN_MAX_FAILURES_PER_ADDRESS": "1000",
        "BEHFLOW_REGISTRATION_MAX_PER_ADDRESS": "1000",
    }
    servers = []
    for index in range(count):
        data = home / f"replica{index}-{uuid.uuid4().hex[:4]}"
        data.mkdir(parents=True)
        servers.append(
            LiveServer({**env, "BEHFLOW_DATA_DIR": str(data)}, data / "server.log").start(60)
        )
    return servers


def setup_users(url: str, count: int) -> tuple[list[User], dict[str, str]]:
    users = []
    with httpx.Client(base_url=url, timeout=30) as client:
        for index in range(count):
            name = f"bench{index}"
            response = client.post("/register", json={"username": name, "password": PASSWORD})
            response.raise_for_status()
            headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
            created = client.post(
                "/api/v1/processes",
                headers=headers,
                json={"name": "every-2s", "kind": "analytics", "schedule": "every 2s"},
            )
            created.raise_for_status()
            users.append(User(name, headers))
    return users, {}


def user_ids(engine: sa.Engine) -> dict[str, str]:
    with engine.connect() as connection:
        return {
            row[0]: row[1] for row in connection.execute(sa.text("SELECT username, id FROM users"))
        }


def scheduled_runs(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        total = connection.execute(
            sa.text(
                "SELECT count(*) FROM automated_process_executions e "
                "JOIN automated_processes p ON p.id = e.process_id WHERE p.name = 'every-2s'"
            )
        ).scalar_one()
        twice = connection.execute(
            sa.text(
                "SELECT count(*) FROM (SELECT e.process_id, e.scheduled_for FROM "
                "automated_process_executions e JOIN automated_processes p ON p.id = e.process_id "
                "WHERE p.name = 'every-2s' GROUP BY e.process_id, e.scheduled_for "
                "HAVING count(*) > 1) d"
            )
        ).scalar_one()
        workers = connection.execute(
            sa.text(
                "SELECT count(DISTINCT e.worker) FROM automated_process_executions e "
                "JOIN automated_processes p ON p.id = e.process_id WHERE p.name = 'every-2s'"
            )
        ).scalar_one()
    return {"runs": int(total), "slots_run_twice": int(twice), "replicas_that_ran": int(workers)}


def lost_writes(engine: sa.Engine, stats: Stats) -> int:
    titles = {title for _, title in stats.acknowledged}
    with engine.connect() as connection:
        stored = {
            row[0]
            for row in connection.execute(
                sa.text("SELECT title FROM tasks WHERE title LIKE 'bench%'")
            )
        }
    return len(titles - stored)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--kill-duration", type=float, default=30)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--subscribers", type=int, default=100)
    args = parser.parse_args()
    nginx_binary = ensure_nginx()
    url, name = fresh_database(args.postgres)
    home = Path(tempfile.mkdtemp(prefix="behflow-replicas-"))
    database = Database(normalize_database_url(url))
    upgrade(database.engine)
    engine = database.engine
    results: dict[str, Any] = {"load_before": os.getloadavg()}
    servers: list[LiveServer] = []
    try:
        for count in (1, 2):
            servers = start_servers(url, count, home)
            proxy = Nginx(nginx_binary, [s.port for s in servers], home)
            try:
                if count == 1:
                    users, _ = setup_users(proxy.url, args.users)
                ids = user_ids(engine)
                runs_before = scheduled_runs(engine)
                stats, subs, info = asyncio.run(
                    run_phase(
                        proxy.url,
                        users,
                        seconds=args.duration,
                        workers=args.workers,
                        subscribers=args.subscribers,
                    )
                )
                results[f"{count}_replica"] = {
                    **summary(stats, info["elapsed"]),
                    "events": check_events(engine, subs, ids),
                    "stream_connections": sum(s.connections for s in subs),
                    "events_delivered": sum(len(s.received) for s in subs),
                    "lost_acknowledged_writes": lost_writes(engine, stats),
                    "scheduled": {"before": runs_before, "after": scheduled_runs(engine)},
                    "load": os.getloadavg(),
                }
                print(json.dumps({f"{count}_replica": results[f"{count}_replica"]}), flush=True)
                if count == 2:
                    killed_port = f":{servers[1].port}"
                    stats, subs, info = asyncio.run(
                        run_phase(
                            proxy.url,
                            users,
                            seconds=args.kill_duration,
                            workers=args.workers,
                            subscribers=args.subscribers,
                            kill=servers[1],
                        )
                    )
                    results["kill_one_of_2"] = {
                        **summary(stats, info["elapsed"]),
                        **{k: v for k, v in info.items() if k != "elapsed"},
                        "events": check_events(engine, subs, ids),
                        "stream_connections": sum(s.connections for s in subs),
                        "streams_that_reconnected": sum(1 for s in subs if s.connections > 1),
                        "streams_on_killed_replica": sum(
                            1 for s in subs if s.upstreams and s.upstreams[0].endswith(killed_port)
                        ),
                        "of_them_resumed_on_the_other": sum(
                            1
                            for s in subs
                            if s.upstreams
                            and s.upstreams[0].endswith(killed_port)
                            and len(s.upstreams) > 1
                            and not s.upstreams[-1].endswith(killed_port)
                        ),
                        "events_delivered": sum(len(s.received) for s in subs),
                        "acknowledged_writes": len(stats.acknowledged),
                        "lost_acknowledged_writes": lost_writes(engine, stats),
                        "scheduled": scheduled_runs(engine),
                        "load": os.getloadavg(),
                    }
                    print(json.dumps({"kill_one_of_2": results["kill_one_of_2"]}), flush=True)
            finally:
                proxy.stop()
                for server in servers:
                    server.stop()
    finally:
        database.dispose()
        drop_database(args.postgres, name)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

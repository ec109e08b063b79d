#!/usr/bin/env python3
"""HTTP API benchmark: one uvicorn worker, wrk as the load generator.

Seeds 10,000 and 100,000 tasks for one user, then measures requests per second and p50/p99
latency for create, get, list (50 rows) and search, on SQLite and (when a URL is given)
PostgreSQL, next to a bare FastAPI endpoint returning a constant list of 50 rows: the ceiling.

    .venv/bin/python bench/api.py [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
        [--sizes 10000 100000] [--duration 5] [--connections 8]

Needs `wrk` (Debian package wrk; installed on demand when running as root).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from behflow_server.config import normalize_database_url  # noqa: E402
from behflow_server.db import Database  # noqa: E402
from behflow_server.migrate import upgrade  # noqa: E402
from behflow_server.tasks.models import Task  # noqa: E402
from tests.support.live import LiveServer, free_port  # noqa: E402

WORDS = [
    "call",
    "email",
    "write",
    "review",
    "plan",
    "book",
    "pay",
    "buy",
    "fix",
    "clean",
    "read",
    "prepare",
    "send",
    "order",
    "check",
    "update",
    "schedule",
    "cancel",
    "renew",
    "submit",
    "draft",
    "finish",
    "organise",
    "visit",
    "meet",
    "ask",
    "print",
    "sign",
    "water",
    "feed",
    "mother",
    "father",
    "doctor",
    "dentist",
    "landlord",
    "manager",
    "team",
    "client",
    "invoice",
    "report",
    "budget",
    "taxes",
    "insurance",
    "passport",
    "ticket",
    "flight",
    "hotel",
    "groceries",
    "milk",
    "bread",
    "eggs",
    "coffee",
    "laptop",
    "phone",
    "car",
    "bike",
    "garden",
    "kitchen",
    "garage",
    "roof",
    "window",
    "door",
    "paint",
    "lamp",
    "shelf",
    "desk",
    "chair",
    "slides",
    "notes",
    "memo",
    "contract",
    "proposal",
    "agenda",
    "minutes",
    "backup",
    "server",
    "database",
    "release",
    "deploy",
    "bug",
    "test",
    "docs",
    "friday",
    "monday",
    "weekend",
    "birthday",
    "anniversary",
    "party",
    "dinner",
    "lunch",
    "gym",
    "yoga",
    "run",
    "swim",
    "doctor",
    "appointment",
    "prescription",
    "vitamins",
    "library",
    "course",
    "lesson",
    "homework",
    "exam",
    "thesis",
    "chapter",
    "article",
    "podcast",
    "video",
    "photo",
    "album",
    "gift",
    "card",
    "letter",
    "parcel",
    "package",
    "bank",
    "loan",
    "mortgage",
]
# A long tail of rarer words (pseudo-words from syllables), as in real task lists: a search for
# one of them is selective; a search for one of WORDS is the stress case.
SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ren",
    "to",
    "sa",
    "vel",
    "dor",
    "ni",
    "pa",
    "qu",
    "zen",
    "bri",
    "tal",
    "mo",
    "fer",
    "gu",
    "sh",
    "lin",
    "ox",
]
RARE_WORDS = sorted({a + b + c for a in SYLLABLES for b in SYLLABLES for c in SYLLABLES[:8]})
TAGS = ["home", "work", "errand", "health", "money"]
ENDPOINTS = ("create", "get", "list", "search", "search-common")


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() == 0:
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL
        )
        if shutil.which("wrk"):
            return "wrk"
    sys.exit("bench/api.py needs wrk: apt-get install wrk")


def seed(url: str, size: int) -> tuple[str, str]:
    """A user with `size` tasks; returns (username, a frequent search word)."""
    database = Database(url)
    upgrade(database.engine)
    rng = random.Random(size)
    username = f"bench{size}"
    user_id = uuid.uuid4()
    now = datetime.now(UTC)
    with database.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM users WHERE username_key = :u"), {"u": username})
    from behflow_server.auth.security import hash_password

    with database.engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO users (id, username, username_key, password_hash, timezone, "
                "token_version, task_counter, is_system, created_at, updated_at) "
                "VALUES (:id, :u, :u, :h, 'UTC', 0, :n, false, :now, :now)"
            ),
            {
                "id": user_id if database.kind == "postgresql" else user_id.hex,
                "u": username,
                "h": hash_password("bench password"),
                "n": size,
                "now": now if database.kind == "postgresql" else now.replace(tzinfo=None),
            },
        )
    table = Task.__table__
    statuses = ["not_started"] * 6 + ["in_progress", "blocked", "completed", "completed"]
    priorities = ["none", "none", "low", "medium", "high", "urgent"]
    batch: list[dict] = []
    with database.engine.begin() as connection:
        for number in range(1, size + 1):
            status = rng.choice(statuses)
            created = now - timedelta(minutes=size - number)
            batch.append(
                {
                    "id": uuid.uuid4(),
                    "user_id": user_id,
                    "number": number,
                    "title": " ".join(
                        [rng.choice(WORDS)]
                        + [rng.choice(RARE_WORDS) for _ in range(rng.randint(1, 3))]
                    ).capitalize(),
                    "description": " ".join(
                        rng.choice(WORDS + RARE_WORDS) for _ in range(rng.randint(0, 8))
                    )
                    or None,
                    "status": status,
                    "priority": rng.choice(priorities),
                    "due_at": now + timedelta(hours=rng.randint(-500, 2000))
                    if rng.random() < 0.6
                    else None,
                    "tags": rng.sample(
                        ["home", "work", "errand", "health", "money"], rng.randint(0, 2)
                    ),
                    "project": rng.choice([None, "home", "work", "side"]),
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
            if len(batch) == 5000:
                connection.execute(table.insert(), batch)
                batch.clear()
        if batch:
            connection.execute(table.insert(), batch)
        if database.kind == "postgresql":
            connection.exec_driver_sql("ANALYZE tasks")
        else:
            connection.exec_driver_sql("ANALYZE")
    database.dispose()
    return username, RARE_WORDS[len(RARE_WORDS) // 3]


def run_wrk(wrk: str, url: str, script: Path, duration: int, connections: int) -> Result:
    output = subprocess.run(
        [wrk, "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"wrk saw {errors.group(1)} error responses:\n{output}")
    return Result(rps, _latency(output, "50%"), _latency(output, "99%"))


def _latency(output: str, label: str) -> float:
    match = re.search(rf"{re.escape(label)}\s+([\d.]+)(us|ms|s)\b", output)
    assert match, output
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def lua(method: str, path_expr: str, token: str, body: str | None = None) -> str:
    body_line = f"wrk.body = {json.dumps(body)}" if body else ""
    return f"""
wrk.method = "{method}"
wrk.headers["Authorization"] = "Bearer {token}"
wrk.headers["Content-Type"] = "application/json"
{body_line}
math.randomseed(42)
request = function()
  return wrk.format(nil, {path_expr})
end
"""


def measure_store(
    wrk: str, url: str, kind: str, size: int, args: argparse.Namespace, workdir: Path
) -> dict[str, Result]:
    username, word = seed(url, size)
    env = {
        "BEHFLOW_DATABASE_URL": url,
        "BEHFLOW_DATA_DIR": str(workdir),
        "BEHFLOW_SCHEDULER_ENABLED": "false",
        "BEHFLOW_LOG_LEVEL": "warning",
        "BEHFLOW_SECRET_KEY": "bench-secret-key-bench-secret-key-0123456789",
    }
    server = LiveServer(env, workdir / f"server-{kind}-{size}.log").start(timeout=180)
    try:
        token = httpx.post(
            f"{server.url}/login", json={"username": username, "password": "bench password"}
        ).json()["access_token"]
        scripts = {
            "get": lua("GET", f'"/api/v1/tasks/" .. math.random(1, {size})', token),
            "list": lua("GET", '"/api/v1/tasks?limit=50"', token),
            "search": lua("GET", f'"/api/v1/tasks?limit=50&search={word}"', token),
            "search-common": lua("GET", '"/api/v1/tasks?limit=50&search=invoice"', token),
            "create": lua(
                "POST",
                '"/api/v1/tasks"',
                token,
                json.dumps(
                    {
                        "title": "Benchmark task",
                        "priority": "high",
                        "tags": ["bench"],
                        "due_at": "2026-12-24T10:00:00Z",
                    }
                ),
            ),
        }
        for term in (word, "invoice"):
            hits = httpx.get(
                f"{server.url}/api/v1/tasks",
                params={"search": term, "limit": 1},
                headers={"Authorization": f"Bearer {token}"},
            ).json()["total"]
            print(f"  {kind} {size:>7,} tasks: search '{term}' matches {hits:,} tasks", flush=True)
        results: dict[str, Result] = {}
        for name in ENDPOINTS:
            script = workdir / f"{name}.lua"
            script.write_text(scripts[name])
            results[name] = run_wrk(wrk, server.url, script, args.duration, args.connections)
        for name in ("search", "search-common"):
            # Unloaded latency: one connection, no queueing behind other requests.
            script = workdir / f"{name}.lua"
            results[f"{name} c=1"] = run_wrk(wrk, server.url, script, args.duration, 1)
        return results
    finally:
        server.stop()


def measure_ceiling(wrk: str, args: argparse.Namespace, workdir: Path) -> Result:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.ceiling_app:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
    )
    try:
        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{port}/rows")
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        script = workdir / "ceiling.lua"
        script.write_text('request = function() return wrk.format("GET", "/rows") end\n')
        return run_wrk(wrk, f"http://127.0.0.1:{port}", script, args.duration, args.connections)
    finally:
        process.terminate()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL server URL; a scratch database is made")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    wrk = ensure_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="behflow-bench-"))
    print(
        f"wrk: 1 thread, {args.connections} connections, {args.duration}s per figure; "
        "server: 1 uvicorn worker",
        flush=True,
    )
    ceiling = measure_ceiling(wrk, args, workdir)
    stores: list[tuple[str, str]] = [("sqlite", "")]
    if args.postgres:
        stores.append(("postgresql", args.postgres))
    rows: list[tuple[str, int, str, Result]] = []
    for kind, server_url in stores:
        for size in args.sizes:
            if kind == "sqlite":
                url = f"sqlite:///{workdir / f'bench-{size}.db'}"
            else:
                url = scratch_postgres(server_url, f"behflow_bench_{size}")
            for name, result in measure_store(wrk, url, kind, size, args, workdir).items():
                rows.append((kind, size, name, result))
    print()
    print("| store | tasks | endpoint | req/s | p50 ms | p99 ms | vs ceiling |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
    print(
        f"| ceiling | - | 50 constant rows | {ceiling.rps:.0f} | {ceiling.p50_ms:.2f} | "
        f"{ceiling.p99_ms:.2f} | 100% |"
    )
    for kind, size, name, result in rows:
        print(
            f"| {kind} | {size:,} | {name} | {result.rps:.0f} | {result.p50_ms:.2f} | "
            f"{result.p99_ms:.2f} | {result.rps / ceiling.rps:.0%} |"
        )
    shutil.rmtree(workdir, ignore_errors=True)


def scratch_postgres(server_url: str, name: str) -> str:
    admin = sa.create_engine(normalize_database_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    admin.dispose()
    return normalize_database_url(server_url).rsplit("/", 1)[0] + f"/{name}"


if __name__ == "__main__":
    main()

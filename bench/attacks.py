#!/usr/bin/env python3
"""Re-run the issue #10 attacks against a real server on this machine (loopback only, bounded).

Each attack starts its own uvicorn process on a free port with a fresh SQLite store (or the
PostgreSQL database given with --postgres, emptied first), runs for a few seconds at most and
prints its figures as one JSON line.

    .venv/bin/python bench/attacks.py lists [--postgres URL] [--env NAME=VALUE ...]
    .venv/bin/python bench/attacks.py streams | halfopen | login | register | revoke

- lists: 8 clients of one user loop over 1,000-row lists while another user reads one task;
  the other user's latency, with and without the flood, and the flood's own outcome.
- streams: 40 concurrent opens of GET /api/v1/events by one user against the cap.
- halfopen: 1,500 connections that send half a request line and stop; how many are still
  open after the header timeout, and whether a normal request is served meanwhile.
- login: 120 parallel wrong passwords for one user (and the right one in the burst).
- register: 60 concurrent registrations; the server's peak resident memory.
- revoke: an open stream's end after logout, while its user keeps writing.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.live import LiveServer  # noqa: E402

SECRET = "attack-bench-secret-key-long-enough-for-hs256-0123456789"
PASSWORD = "correct horse"


@contextmanager
def server(postgres: str | None, extra: dict[str, str]) -> Iterator[LiveServer]:
    with tempfile.TemporaryDirectory(prefix="behflow-attack-") as home:
        if postgres:
            from tests.support.databases import empty_postgres, prepare_postgres

            prepare_postgres(postgres)
            empty_postgres(postgres)
            url = postgres
        else:
            url = f"sqlite:///{home}/behflow.db"
        env = {
            "BEHFLOW_DATABASE_URL": url,
            "BEHFLOW_DATA_DIR": home,
            "BEHFLOW_SECRET_KEY": SECRET,
            "BEHFLOW_SCHEDULER_ENABLED": "false",
            "BEHFLOW_LOG_LEVEL": "warning",
            "BEHFLOW_REGISTRATION": "open",
            **extra,
        }
        live = LiveServer(env, Path(home) / "server.log").start()
        try:
            yield live
        finally:
            live.stop()


def register(http: httpx.Client, name: str) -> dict[str, str]:
    response = http.post("/register", json={"username": name, "password": PASSWORD})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def quantiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    pick: Callable[[float], float] = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(pick(0.95) * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


# --- lists -----------------------------------------------------------------------------------


async def _reader(url: str, headers: dict[str, str], path: str, seconds: float) -> list[float]:
    took: list[float] = []
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            started = time.perf_counter()
            response = await http.get(path, headers=headers)
            response.raise_for_status()
            took.append(time.perf_counter() - started)
            await asyncio.sleep(0.05)
    return took


async def _flood(url: str, headers: dict[str, str], seconds: float, clients: int) -> dict[str, Any]:
    statuses: dict[int, int] = {}
    took: list[float] = []

    async def one(http: httpx.AsyncClient) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            started = time.perf_counter()
            response = await http.get("/api/v1/tasks", params={"limit": 1000}, headers=headers)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code == 200:
                took.append(time.perf_counter() - started)
            else:
                await asyncio.sleep(float(response.headers.get("retry-after", "1")) / 10)

    async with httpx.AsyncClient(
        base_url=url, timeout=60, limits=httpx.Limits(max_connections=clients)
    ) as http:
        await asyncio.gather(*(one(http) for _ in range(clients)))
    return {"statuses": statuses, "list_1000": quantiles(took)}


def _flood_process(url: str, headers: dict[str, str], seconds: float, clients: int) -> Any:
    return asyncio.run(_flood(url, headers, seconds, clients))


def attack_lists(args: argparse.Namespace) -> dict[str, Any]:
    with server(args.postgres, args.env) as live, httpx.Client(base_url=live.url) as http:
        hammer = register(http, "hammer")
        other = register(http, "other")
        for i in range(1000):
            http.post("/api/v1/tasks", json={"title": f"task {i}"}, headers=hammer)
        http.post("/api/v1/tasks", json={"title": "mine"}, headers=other).raise_for_status()
        alone = asyncio.run(_reader(live.url, other, "/api/v1/tasks/1", 3))

        # The flood runs in its own process: reading 8 streams of 1,000-row pages is enough
        # client work to delay the measuring client if they shared a loop.
        with concurrent.futures.ProcessPoolExecutor(1) as pool:
            flooding = pool.submit(_flood_process, live.url, hammer, 6.5, args.clients)
            time.sleep(0.5)  # let the flood start
            under_flood = asyncio.run(_reader(live.url, other, "/api/v1/tasks/1", 5))
            flood = flooding.result()
    return {
        "attack": "lists",
        "clients": args.clients,
        "other_get_alone": quantiles(alone),
        "other_get_under_flood": quantiles(under_flood),
        "flood": flood,
    }


def attack_costs(args: argparse.Namespace) -> dict[str, Any]:
    """Not an attack: the median time of each kind of request for a user with 1,000 tasks,
    to tell the expensive routes from the cheap ones."""
    probes: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "/api/v1/tasks/1", {}),
        ("GET", "/api/v1/tasks", {"params": {"limit": 50}}),
        ("GET", "/api/v1/tasks", {"params": {"limit": 200}}),
        ("GET", "/api/v1/tasks", {"params": {"limit": 1000}}),
        ("GET", "/api/v1/tasks", {"params": {"search": "task 1", "limit": 50}}),
        ("GET", "/api/v1/tasks", {"params": {"search": "task", "limit": 1000}}),
        ("GET", "/api/v1/tasks", {"params": {"due": "next month", "limit": 50}}),
        ("GET", "/api/v1/stats", {}),
        ("GET", "/api/v1/processes", {}),
        ("GET", "/api/v1/webhooks", {}),
        ("GET", "/api/v1/chat/sessions", {}),
        ("POST", "/api/v1/tasks", {"json": {"title": "probe"}}),
        ("POST", "/api/v1/tasks/quick", {"json": {"text": "call mom tomorrow 5pm #family"}}),
        ("POST", "/api/v1/chat", {"json": {"message": "what is overdue?"}}),
        ("POST", "/api/v1/chat", {"json": {"message": "list all my tasks"}}),
        ("POST", "/api/v1/tasks/bulk/complete", {"json": {"numbers": list(range(2, 102))}}),
    ]
    results: dict[str, Any] = {}
    with (
        server(args.postgres, args.env) as live,
        httpx.Client(base_url=live.url, timeout=60) as http,
    ):
        user = register(http, "measured")
        for i in range(1000):
            http.post("/api/v1/tasks", json={"title": f"task {i}"}, headers=user)
        for method, path, kwargs in probes:
            took = []
            for _ in range(7 if method == "GET" else 3):
                started = time.perf_counter()
                response = http.request(method, path, headers=user, **kwargs)
                took.append(time.perf_counter() - started)
            key = f"{method} {path} {json.dumps(kwargs.get('params', kwargs.get('json', '')))[:60]}"
            results[key] = {"status": response.status_code, **quantiles(took)}
    return {"attack": "costs", "requests": results}


def attack_sqlite_sync(args: argparse.Namespace) -> dict[str, Any]:
    """Not an attack: creates per second from one client with BEHFLOW_SQLITE_SYNCHRONOUS
    normal and full (each create is one commit)."""
    figures: dict[str, Any] = {}
    for mode in ("normal", "full", "normal", "full"):
        env = {**args.env, "BEHFLOW_SQLITE_SYNCHRONOUS": mode}
        with server(None, env) as live, httpx.Client(base_url=live.url) as http:
            user = register(http, "writer")
            took = []
            started = time.perf_counter()
            for i in range(300):
                one = time.perf_counter()
                http.post("/api/v1/tasks", json={"title": f"t{i}"}, headers=user)
                took.append(time.perf_counter() - one)
            rate = 300 / (time.perf_counter() - started)
        figures.setdefault(mode, []).append({"creates_per_s": round(rate), **quantiles(took)})
    return {"attack": "sqlite-sync", **figures}


ATTACKS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "sqlite-sync": attack_sqlite_sync,
    "lists": attack_lists,
    "costs": attack_costs,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("attack", choices=sorted(ATTACKS))
    parser.add_argument("--postgres", help="a PostgreSQL URL to run on (emptied first)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server")
    args = parser.parse_args()
    args.env = dict(item.split("=", 1) for item in args.env)
    print(json.dumps(ATTACKS[args.attack](args)))


if __name__ == "__main__":
    main()

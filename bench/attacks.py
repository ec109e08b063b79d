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
import contextlib
import json
import socket
import statistics
import sys
import tempfile
import threading
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


# --- streams, half-open connections, login, registration, revocation ------------------------


def attack_streams(args: argparse.Namespace) -> dict[str, Any]:
    """40 concurrent opens of the event stream by one user (the cap is 20 by default)."""

    async def burst(url: str, headers: dict[str, str]) -> dict[int, int]:
        statuses: dict[int, int] = {}
        async with (
            httpx.AsyncClient(
                base_url=url, timeout=20, limits=httpx.Limits(max_connections=50)
            ) as http,
            contextlib.AsyncExitStack() as streams,
        ):

            async def one() -> None:
                response = await streams.enter_async_context(
                    http.stream("GET", "/api/v1/events", headers=headers)
                )
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

            await asyncio.gather(*(one() for _ in range(40)))
        return statuses

    with server(args.postgres, args.env) as live, httpx.Client(base_url=live.url) as http:
        user = register(http, "streamer")
        statuses = asyncio.run(burst(live.url, user))
    return {"attack": "streams", "opens": 40, "statuses": statuses}


def attack_halfopen(args: argparse.Namespace) -> dict[str, Any]:
    """1,500 connections that send half a request line and stop."""
    with server(args.postgres, args.env) as live:
        timeout = float(args.env.get("BEHFLOW_HEADER_TIMEOUT_SECONDS", "10"))
        sockets = []
        for _ in range(1500):
            sock = socket.create_connection(("127.0.0.1", live.port), timeout=5)
            sock.sendall(b"GET /heal")
            sock.setblocking(False)
            sockets.append(sock)
        opened = time.monotonic()
        started = time.perf_counter()
        health = httpx.get(f"{live.url}/health", timeout=10).status_code
        health_ms = round((time.perf_counter() - started) * 1000, 1)

        def still_open() -> int:
            count = 0
            for sock in sockets:
                try:
                    if sock.recv(1) == b"":
                        continue
                except BlockingIOError:
                    count += 1  # nothing to read and not closed
                except OSError:
                    continue
            return count

        time.sleep(1)
        at_one_second = still_open()
        while time.monotonic() - opened < timeout + 5 and still_open():
            time.sleep(0.25)
        closed_after = round(time.monotonic() - opened, 1)
        left = still_open()
        for sock in sockets:
            sock.close()
    return {
        "attack": "halfopen",
        "connections": 1500,
        "header_timeout_s": timeout,
        "open_after_1s": at_one_second,
        "open_at_end": left,
        "all_closed_after_s": closed_after if not left else None,
        "health_meanwhile": health,
        "health_ms": health_ms,
    }


def attack_login(args: argparse.Namespace) -> dict[str, Any]:
    """120 parallel wrong passwords for one user, the right one in the middle of the burst."""

    async def burst(url: str) -> tuple[dict[int, int], int]:
        statuses: dict[int, int] = {}
        async with httpx.AsyncClient(
            base_url=url, timeout=60, limits=httpx.Limits(max_connections=130)
        ) as http:

            async def attempt(password: str) -> int:
                response = await http.post(
                    "/login", json={"username": "victim", "password": password}
                )
                return response.status_code

            tries = [f"wrong {i}" for i in range(120)]
            tries.insert(60, PASSWORD)
            results = await asyncio.gather(*(attempt(p) for p in tries))
        for status in results[:60] + results[61:]:
            statuses[status] = statuses.get(status, 0) + 1
        return statuses, results[60]

    with server(args.postgres, args.env) as live, httpx.Client(base_url=live.url) as http:
        register(http, "victim")
        statuses, right = asyncio.run(burst(live.url))
    return {"attack": "login", "wrong_statuses": statuses, "right_password_status": right}


def _rss_mib(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def attack_register(args: argparse.Namespace) -> dict[str, Any]:
    """60 concurrent registrations; the server's resident memory before and at its peak."""

    async def burst(url: str) -> dict[int, int]:
        statuses: dict[int, int] = {}
        async with httpx.AsyncClient(
            base_url=url, timeout=60, limits=httpx.Limits(max_connections=70)
        ) as http:

            async def one(i: int) -> None:
                response = await http.post(
                    "/register", json={"username": f"new{i}", "password": PASSWORD}
                )
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

            await asyncio.gather(*(one(i) for i in range(60)))
        return statuses

    with server(args.postgres, args.env) as live:
        assert live.process is not None
        pid = live.process.pid
        before = _rss_mib(pid, "VmRSS")
        statuses = asyncio.run(burst(live.url))
        peak = _rss_mib(pid, "VmHWM")
    return {"attack": "register", "statuses": statuses, "rss_before_mib": before, "peak_mib": peak}


def attack_revoke(args: argparse.Namespace) -> dict[str, Any]:
    """Logout while the user keeps writing: when does the old token's open stream end?"""
    with server(args.postgres, args.env) as live, httpx.Client(base_url=live.url) as http:
        headers = register(http, "leaver")
        other_token = http.post("/login", json={"username": "leaver", "password": PASSWORD})
        writer = {"Authorization": f"Bearer {other_token.json()['access_token']}"}
        ended = threading.Event()
        frames_after: list[float] = []
        logged_out_at: list[float] = []

        def read() -> None:
            with (
                httpx.Client(base_url=live.url, timeout=httpx.Timeout(10, read=10)) as client,
                client.stream("GET", "/api/v1/events", headers=headers) as response,
            ):
                for line in response.iter_lines():
                    if logged_out_at and line.startswith("event: task."):
                        frames_after.append(time.monotonic() - logged_out_at[0])
            ended.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        time.sleep(0.5)
        stop_writing = threading.Event()

        def write() -> None:
            with httpx.Client(base_url=live.url, timeout=10) as client:
                i = 0
                while not stop_writing.is_set():
                    client.post("/api/v1/tasks", json={"title": f"w{i}"}, headers=writer)
                    i += 1

        writing = threading.Thread(target=write, daemon=True)
        writing.start()
        time.sleep(1.0)
        http.post("/logout", headers=headers).raise_for_status()
        logged_out_at.append(time.monotonic())
        ended.wait(10)
        end_ms = round((time.monotonic() - logged_out_at[0]) * 1000, 1) if ended.is_set() else None
        stop_writing.set()
        writing.join(5)
    return {
        "attack": "revoke",
        "stream_end_after_logout_ms": end_ms,
        "task_events_after_logout": len(frames_after),
    }


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
    "streams": attack_streams,
    "halfopen": attack_halfopen,
    "login": attack_login,
    "register": attack_register,
    "revoke": attack_revoke,
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

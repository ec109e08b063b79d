#!/usr/bin/env python3
"""Live events benchmark: how long from a change until SSE subscribers hear of it.

Real server processes (uvicorn, as `python -m behflow_server`): a client creates tasks through
server A while subscribers read GET /api/v1/events. Reports, per setting, p50/p95 of
- `create`: the POST /api/v1/tasks round trip,
- `change → event`: from sending the POST to the event reaching the subscriber (the event is
  handed over at commit, so it often arrives before the POST's own answer),
- `fan-out`: from sending the POST to the last of N subscribers (same user) having it.

    .venv/bin/python bench/events.py [--postgres postgresql://postgres@127.0.0.1:5432/DB]
        [--changes 200] [--subscribers 50]

Without --postgres only SQLite (one process) runs. With it, also PostgreSQL with the subscriber
on server A (same process) and on server B (across processes, LISTEN/NOTIFY). The PostgreSQL
database is emptied first: give it a scratch database.
"""

from __future__ import annotations

import argparse
import queue
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.databases import empty_postgres, postgres_url, prepare_postgres  # noqa: E402
from tests.support.live import LiveServer  # noqa: E402

SECRET = "bench-secret-key-that-is-long-enough-for-hs256-0123456789"


def server_env(directory: Path, database_url: str) -> dict[str, str]:
    return {
        "BEHFLOW_DATABASE_URL": database_url,
        "BEHFLOW_DATA_DIR": str(directory),
        "BEHFLOW_SECRET_KEY": SECRET,
        "BEHFLOW_SCHEDULER_ENABLED": "false",
        "BEHFLOW_LOG_LEVEL": "warning",
        "BEHFLOW_EVENTS_MAX_STREAMS_PER_USER": "1000",
    }


class Subscriber(threading.Thread):
    """Reads one event stream; puts (arrival time, task title) of each task.created on a queue."""

    def __init__(self, url: str, token: str, arrivals: queue.Queue[tuple[float, str]]) -> None:
        super().__init__(daemon=True)
        self.url, self.token, self.arrivals = url, token, arrivals
        self.ready = threading.Event()
        self.response: httpx.Response | None = None

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with (
            httpx.Client(base_url=self.url, timeout=httpx.Timeout(10, read=None)) as http,
            http.stream("GET", "/api/v1/events", headers=headers) as response,
        ):
            self.response = response
            event = ""
            try:
                for line in response.iter_lines():
                    if line.startswith("event: "):
                        event = line[7:]
                        if event == "ready":
                            self.ready.set()
                    elif line.startswith("data: ") and event == "task.created":
                        title = line.split('"title":"', 1)[1].split('"', 1)[0]
                        self.arrivals.put((time.perf_counter(), title))
            except httpx.HTTPError:
                return


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return statistics.median(ordered), p95


@contextmanager
def servers(count: int, database_url: str) -> Iterator[list[LiveServer]]:
    with tempfile.TemporaryDirectory() as directory:
        started = [
            LiveServer(server_env(Path(directory), database_url), Path(directory) / f"s{i}.log")
            for i in range(count)
        ]
        try:
            for server in started:
                server.start()
            yield started
        finally:
            for server in started:
                server.stop()


def measure(writer: str, reader: str, changes: int, subscribers: int) -> dict[str, tuple]:
    name = f"bench{time.monotonic_ns()}"
    token = httpx.post(
        f"{writer}/register", json={"username": name[:39], "password": "correct horse"}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    results: dict[str, tuple] = {}
    for fan_out in (1, subscribers):
        arrivals: queue.Queue[tuple[float, str]] = queue.Queue()
        readers = [Subscriber(reader, token, arrivals) for _ in range(fan_out)]
        for subscriber in readers:
            subscriber.start()
        for subscriber in readers:
            subscriber.ready.wait(10)
        creates, deliveries = [], []
        rounds = changes if fan_out == 1 else max(20, changes // 10)
        with httpx.Client(base_url=writer, headers=headers, timeout=10) as http:
            for index in range(rounds):
                title = f"task {fan_out}-{index}"
                started = time.perf_counter()
                http.post("/api/v1/tasks", json={"title": title}).raise_for_status()
                answered = time.perf_counter()
                last = 0.0
                for _ in range(fan_out):
                    arrived, seen = arrivals.get(timeout=10)
                    assert seen == title, (seen, title)
                    last = max(last, arrived)
                creates.append((answered - started) * 1000)
                deliveries.append((last - started) * 1000)
        for subscriber in readers:
            if subscriber.response is not None:
                subscriber.response.close()
        key = "change → event" if fan_out == 1 else f"fan-out to {fan_out}"
        if fan_out == 1:
            results["create"] = percentiles(creates)
        results[key] = percentiles(deliveries)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a scratch PostgreSQL database URL")
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--subscribers", type=int, default=50)
    args = parser.parse_args()

    rows: list[tuple[str, str, tuple]] = []
    with tempfile.TemporaryDirectory() as directory:
        sqlite = f"sqlite:///{Path(directory) / 'bench.db'}"
        with servers(1, sqlite) as (only,):
            for measure_name, value in measure(
                only.url, only.url, args.changes, args.subscribers
            ).items():
                rows.append(("SQLite, one process", measure_name, value))
    if args.postgres:
        import os

        os.environ["BEHFLOW_TEST_DATABASE_URL"] = args.postgres
        url = postgres_url()
        assert url is not None
        prepare_postgres(url)
        empty_postgres(url)
        with servers(2, url) as (a, b):
            for label, reader in (("PostgreSQL, same process", a), ("PostgreSQL, A → B", b)):
                for measure_name, value in measure(
                    a.url, reader.url, args.changes, args.subscribers
                ).items():
                    rows.append((label, measure_name, value))

    print(f"{args.changes} changes; fan-out with {args.subscribers} subscribers of one user\n")
    print("| Setting | Measure | p50 (ms) | p95 (ms) |")
    print("|---|---|---|---|")
    for setting, measure_name, (p50, p95) in rows:
        print(f"| {setting} | {measure_name} | {p50:.2f} | {p95:.2f} |")


if __name__ == "__main__":
    main()

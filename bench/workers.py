"""Requests per second with 1 and 2 server workers (issue #15), SQLite and PostgreSQL.

    .venv/bin/python bench/workers.py [--postgres postgresql://postgres@127.0.0.1:5432/db]
        [--duration 5] [--connections 8]

Starts `behflow server start --workers N` on throw-away data, loads 200 tasks for one user,
then drives GET /api/v1/tasks/{n} (get) and GET /api/v1/tasks?limit=50 (list) with wrk
(2 threads) and prints req/s and p50 for each store and worker count.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEHFLOW = ROOT / ".venv" / "bin" / "behflow"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def call(port: int, method: str, path: str, body: object, token: str = "") -> dict[str, object]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json", "User-Agent": "bench"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request(method, path, json.dumps(body), headers)
    response = conn.getresponse()
    data = response.read()
    if response.status >= 300:
        raise RuntimeError(f"{method} {path}: {response.status} {data[:200]!r}")
    result: dict[str, object] = json.loads(data)
    return result


def wrk(url: str, token: str, duration: int, connections: int) -> tuple[float, float]:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "-H",
            f"Authorization: Bearer {token}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    assert p50 is not None
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p50.group(2)]
    return rps, float(p50.group(1)) * scale


def run(store: str, url: str | None, workers: int, args: argparse.Namespace) -> list[str]:
    work = Path(tempfile.mkdtemp(prefix="behflow-workers-"))
    port = free_port()
    env = {
        **os.environ,
        "BEHFLOW_DATA_DIR": str(work),
        "BEHFLOW_CONFIG_DIR": str(work / "config"),
        "BEHFLOW_STATE_DIR": str(work / "state"),
        "BEHFLOW_LOG_LEVEL": "warning",
        "BEHFLOW_SCHEDULER_ENABLED": "false",
    }
    if url:
        env["BEHFLOW_DATABASE_URL"] = url
        reset_postgres(url)
    process = subprocess.Popen(
        [str(BEHFLOW), "server", "start", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                conn.request("GET", "/health")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        token = str(
            call(port, "POST", "/register", {"username": "bench", "password": "bench-password"})[
                "access_token"
            ]
        )
        for i in range(200):
            call(port, "POST", "/api/v1/tasks", {"title": f"task {i}"}, token)
        rows = []
        base = f"http://127.0.0.1:{port}/api/v1/tasks"
        for name, target in (("get", f"{base}/100"), ("list 50", f"{base}?limit=50")):
            rps, p50 = wrk(target, token, args.duration, args.connections)
            rows.append(f"| {store} | {workers} | {name} | {rps:.0f} | {p50:.2f} |")
        return rows
    finally:
        process.terminate()
        process.wait(60)
        shutil.rmtree(work, ignore_errors=True)


def reset_postgres(url: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", help="a PostgreSQL URL whose public schema may be dropped")
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    stores: list[tuple[str, str | None]] = [("sqlite", None)]
    if args.postgres:
        stores.append(("postgresql", args.postgres))
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"load average at start {load}, {os.cpu_count()} cores, wrk -t2 -c{args.connections}")
    print("| store | workers | endpoint | req/s | p50 ms |")
    print("|---|---:|---|---:|---:|")
    for store, url in stores:
        for workers in (1, 2):
            for row in run(store, url, workers, args):
                print(row, flush=True)
    print(f"load average at end {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")


if __name__ == "__main__":
    main()

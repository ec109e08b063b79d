"""Server start to a healthy /health, and its resident memory (issue #15).

    .venv/bin/python bench/server_start.py            # 5 starts each, SQLite
    .venv/bin/python bench/server_start.py --runs 9 --database-url postgresql://...

Starts `behflow server start` (what users run) on a free port, on a fresh database (so the
migrations run) and then on that existing one; prints the median time from the process start
to the first 200 from /health, the idle resident memory (VmRSS) once healthy, and the memory
after the first chat (the agent, its model and the LLM client load then). Targets: existing
< 1.0 s, fresh < 1.5 s, idle < 90 MB.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEHFLOW = ROOT / ".venv" / "bin" / "behflow"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process has used: steadier than wall time on a loaded machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def call(port: int, method: str, path: str, body: object = None, token: str = "") -> object:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Content-Type": "application/json", "User-Agent": "bench"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    response = conn.getresponse()
    data = response.read()
    if response.status >= 300:
        raise RuntimeError(f"{method} {path}: {response.status} {data[:200]!r}")
    return json.loads(data)


def start(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int, float, float]:
    """(process, port, seconds from exec to a healthy /health, CPU seconds used by then)."""
    port = free_port()
    began = time.perf_counter()
    process = subprocess.Popen(
        [str(BEHFLOW), "server", "start", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    while True:
        if process.poll() is not None:
            raise SystemExit(f"server exited: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                elapsed = time.perf_counter() - began
                return process, port, elapsed, cpu_seconds(process.pid)
        except OSError:
            pass
        time.sleep(0.005)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", help="PostgreSQL URL (dropped and re-created schema)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="behflow-start-"))
    env = {
        **os.environ,
        "BEHFLOW_DATA_DIR": str(work / "data"),
        "BEHFLOW_CONFIG_DIR": str(work / "config"),
        "BEHFLOW_STATE_DIR": str(work / "state"),
        "BEHFLOW_LOG_LEVEL": "warning",
        "BEHFLOW_LLM_API_KEY": "",
    }
    env.pop("BEHFLOW_URL", None)
    fresh: list[float] = []
    existing: list[float] = []
    fresh_cpu: list[float] = []
    existing_cpu: list[float] = []
    idle: list[float] = []
    try:
        for _ in range(args.runs):
            if args.database_url:
                env["BEHFLOW_DATABASE_URL"] = args.database_url
                reset_postgres(args.database_url)
            else:
                shutil.rmtree(work / "data", ignore_errors=True)
            process, _, seconds, cpu = start(env)
            fresh.append(seconds)
            fresh_cpu.append(cpu)
            stop(process)
        for _ in range(args.runs):
            process, port, seconds, cpu = start(env)
            existing.append(seconds)
            existing_cpu.append(cpu)
            time.sleep(1.0)  # idle: after start-up work settles
            idle.append(rss_mb(process.pid))
            stop(process)
        process, port, _, _ = start(env)
        token = call(port, "POST", "/register", {"username": "bench", "password": "bench-pw-1"})
        access = str(token["access_token"])  # type: ignore[index]
        before = rss_mb(process.pid)
        began = time.perf_counter()
        call(port, "POST", "/api/v1/chat", {"message": "add buy milk tomorrow"}, access)
        first_chat = time.perf_counter() - began
        after = rss_mb(process.pid)
        stop(process)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    database = "PostgreSQL" if args.database_url else "SQLite"
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"server start, {database}, {args.runs} runs each, load average {load}:")
    rows = [
        ("start -> healthy /health, fresh database", statistics.median(fresh), 1.5, "s"),
        ("start -> healthy /health, existing database", statistics.median(existing), 1.0, "s"),
        ("idle resident memory", statistics.median(idle), 90.0, "MB"),
    ]
    for name, value, target, unit in rows:
        verdict = "met" if value < target else "NOT met"
        print(f"  {name}: {value:.2f} {unit} (target < {target:g} {unit}: {verdict})")
    print(
        f"  CPU used by then (user+system, less sensitive to load): fresh "
        f"{statistics.median(fresh_cpu):.2f} s, existing {statistics.median(existing_cpu):.2f} s"
    )
    print(f"  resident memory after registering: {before:.0f} MB")
    print(f"  first chat: {first_chat:.2f} s, resident memory after it: {after:.0f} MB")
    print(f"  all fresh: {', '.join(f'{v:.2f}' for v in fresh)}")
    print(f"  all existing: {', '.join(f'{v:.2f}' for v in existing)}")


def reset_postgres(url: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    engine.dispose()


if __name__ == "__main__":
    sys.exit(main())

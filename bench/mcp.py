"""MCP latency: a real server (SQLite) and the official SDK's client, over HTTP and over stdio.

    .venv/bin/python -m bench.mcp [--calls 100]

Prints the first /mcp request (it loads the SDK), then the median and 95th percentile of
`list_tasks` calls (20 tasks) over streamable HTTP and through `behflow mcp` on stdio (with
the plain REST list for comparison), and how long `behflow mcp` takes from spawn to a finished
handshake.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
import httpx

from tests.support.live import server_on


def _summary(name: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"{name}: median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms ({len(ms)} calls)"


async def _calls(client: Any, count: int) -> list[float]:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        result = await client.call_tool("list_tasks", {"limit": 20})
        times.append(time.perf_counter() - start)
        assert not result.is_error
    return times


async def _http(url: str, token: str, count: int) -> None:
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http,
        Client(streamable_http_client(f"{url}/mcp", http_client=http), cache=None) as client,
    ):
        print(_summary("HTTP  list_tasks", await _calls(client, count)))


async def _stdio(url: str, token: str, count: int) -> None:
    from mcp import Client, StdioServerParameters

    env = {**os.environ, "BEHFLOW_URL": url, "BEHFLOW_TOKEN": token}
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "behflow_cli", "mcp"], env=env
    )
    start = time.perf_counter()
    async with Client(params, cache=None) as client:
        print(f"stdio `behflow mcp` spawn to handshake: {time.perf_counter() - start:.2f} s")
        print(_summary("stdio list_tasks", await _calls(client, count)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=100, choices=range(1, 1001))
    count = parser.parse_args().calls
    with tempfile.TemporaryDirectory() as home, server_on("sqlite", Path(home), "b" * 64) as srv:
        os.environ.update(BEHFLOW_CONFIG_DIR=f"{home}/config", BEHFLOW_STATE_DIR=f"{home}/state")
        token = httpx.post(
            f"{srv.url}/register", json={"username": "bench", "password": "correct horse"}
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        for n in range(20):
            httpx.post(f"{srv.url}/api/v1/tasks", json={"title": f"Task {n}"}, headers=auth)
        hello = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
        start = time.perf_counter()
        first = httpx.post(
            f"{srv.url}/mcp",
            json=hello,
            headers={**auth, "Accept": "application/json, text/event-stream"},
            timeout=60,
        )
        assert first.status_code == 200, first.text
        print(f"first /mcp request (loads the SDK): {time.perf_counter() - start:.2f} s")
        with httpx.Client(base_url=srv.url, headers=auth) as rest:
            times = []
            for _ in range(count):
                start = time.perf_counter()
                assert rest.get("/api/v1/tasks", params={"limit": 20}).status_code == 200
                times.append(time.perf_counter() - start)
        print(_summary("REST  GET /api/v1/tasks (for comparison)", times))
        anyio.run(_http, srv.url, token, count)
        anyio.run(_stdio, srv.url, token, count)


if __name__ == "__main__":
    main()

"""The per-user stream cap holds under a burst of concurrent opens (issue #10, point 6: one
user opened 35 streams against a cap of 20, because the count was checked before the stream
subscribed)."""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack

import httpx
import pytest

from tests.events.test_stream import register
from tests.support.live import LiveServer

EVENTS = "/api/v1/events"
CAP = 5
BURST = 40


@pytest.fixture
def live_server_env(live_server_env: dict[str, str]) -> dict[str, str]:
    return {**live_server_env, "BEHFLOW_EVENTS_MAX_STREAMS_PER_USER": str(CAP)}


async def _burst(url: str, headers: dict[str, str], count: int) -> tuple[list[int], list[dict]]:
    """Open `count` streams at once and keep the successful ones open until all have answered;
    the statuses, and the error bodies of the refused ones."""
    timeout = httpx.Timeout(20, read=10)
    limits = httpx.Limits(max_connections=count + 5)
    async with (
        httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits) as http,
        AsyncExitStack() as open_streams,
    ):

        async def one() -> tuple[int, dict | None]:
            response = await open_streams.enter_async_context(
                http.stream("GET", EVENTS, headers=headers)
            )
            if response.status_code == 200:
                return 200, None
            await response.aread()
            return response.status_code, {**response.json(), "headers": dict(response.headers)}

        results = await asyncio.gather(*(one() for _ in range(count)))
    return [status for status, _ in results], [body for _, body in results if body]


def test_a_burst_of_stream_opens_gets_exactly_the_cap(
    live_server: LiveServer, api: httpx.Client
) -> None:
    alice = register(api, "alice")
    bob = register(api, "bob")
    statuses, refused = asyncio.run(_burst(live_server.url, alice, BURST))
    assert statuses.count(200) == CAP, statuses
    assert statuses.count(429) == BURST - CAP, statuses
    for body in refused:
        assert body["error"]["code"] == "rate_limited"
        assert f"At most {CAP} event streams" in body["error"]["message"]
        assert body["headers"]["retry-after"].isdigit()
        assert body["headers"]["content-type"] == "application/json"
    # The slots are freed when the streams close: the whole cap is there again, and another
    # user never shared it.
    deadline = time.monotonic() + 5  # the server notices the closed connections at once
    while (statuses := asyncio.run(_burst(live_server.url, alice, CAP))[0]) != [200] * CAP:
        assert time.monotonic() < deadline, statuses
        time.sleep(0.2)
    statuses, _ = asyncio.run(_burst(live_server.url, bob, CAP + 2))
    assert sorted(statuses) == [200] * CAP + [429, 429]

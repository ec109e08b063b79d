"""A user's event stream is complete and in order while several writers commit at once.

Writers on two server processes (PostgreSQL; on SQLite, one process with many request threads)
change one user's tasks concurrently, while another user writes too. Each stream's ids must
rise strictly and hold every event of the user, exactly what a replay from the start holds;
a client that moves to the other server with Last-Event-ID carries on with nothing missed
or repeated. Ids are taken from one sequence by transactions that commit in any order, so
without the per-user ordering (events/service.py) a stream sends a later id before an earlier
one, and a client resuming after the later one never gets the earlier.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.events.sse import SSEReader
from tests.events.test_stream import add, register, subscribe
from tests.support.live import LiveServer

WRITERS = 6
WRITES_EACH = 20
# Each writer creates WRITES_EACH tasks and completes every third: one event each.
EXPECTED = WRITERS * sum(1 + (i % 3 == 0) for i in range(WRITES_EACH))


def _write(url: str, headers: dict[str, str], writer: int) -> int:
    """Creates and completes tasks; returns how many events they make."""
    events = 0
    with httpx.Client(base_url=url, timeout=30) as http:
        for i in range(WRITES_EACH):
            number = add(http, headers, f"writer {writer} task {i}")
            events += 1
            if i % 3 == 0:
                done = http.post(f"/api/v1/tasks/{number}/complete", headers=headers)
                assert done.status_code == 200, done.text
                events += 1
    return events


def _ids(stream: SSEReader, count: int) -> list[int]:
    ids: list[int] = []
    while len(ids) < count:
        frame = stream.event(skip=("ready", "reset"))
        assert frame.id is not None
        ids.append(int(frame.id))
    return ids


@pytest.fixture
def servers(database_url: str, live_server_env: dict[str, str], tmp_path: Path) -> list[LiveServer]:
    first = LiveServer(live_server_env, tmp_path / "server-a.log").start()
    if not database_url.startswith("postgresql"):
        yield [first, first]
        first.stop()
        return
    second = LiveServer(live_server_env, tmp_path / "server-b.log").start()
    yield [first, second]
    first.stop()
    second.stop()


def test_streams_on_both_servers_get_every_event_once_in_rising_order(
    servers: list[LiveServer],
) -> None:
    a, b = servers
    with httpx.Client(base_url=a.url, timeout=10) as api:
        alice = register(api, "alice")
        bob = register(api, "bob")
    results: dict[str, list[int]] = {}

    def watch(name: str, url: str, count: threading.Event) -> None:
        with subscribe(url, alice) as stream:
            stream.until("ready")
            count.set()
            results[name] = _ids(stream, expected)

    expected = EXPECTED
    ready = [threading.Event(), threading.Event()]
    watchers = [
        threading.Thread(target=watch, args=("on a", a.url, ready[0])),
        threading.Thread(target=watch, args=("on b", b.url, ready[1])),
    ]
    for watcher in watchers:
        watcher.start()
    assert all(r.wait(15) for r in ready)
    with ThreadPoolExecutor(WRITERS + 2) as pool:
        made = [pool.submit(_write, (a, b)[w % 2].url, alice, w) for w in range(WRITERS)]
        others = [pool.submit(_write, (b, a)[w % 2].url, bob, 100 + w) for w in range(2)]
        assert sum(f.result() for f in made) == expected
        for other in others:
            other.result()
    for watcher in watchers:
        watcher.join(60)
    with subscribe(b.url, alice, since="0") as replay:
        everything = _ids(replay, expected)
    assert everything == sorted(everything)
    for name in ("on a", "on b"):
        assert name in results, f"the stream {name} did not get every event"
        got = results[name]
        assert got == everything, f"stream {name}: {_first_difference(got, everything)}"


def test_moving_to_the_other_server_with_last_event_id_misses_nothing(
    servers: list[LiveServer],
) -> None:
    a, b = servers
    with httpx.Client(base_url=a.url, timeout=10) as api:
        alice = register(api, "alice")
    expected = EXPECTED
    seen: list[int] = []
    with ThreadPoolExecutor(WRITERS) as pool:
        with subscribe(a.url, alice) as first:
            first.until("ready")
            made = [pool.submit(_write, (a, b)[w % 2].url, alice, w) for w in range(WRITERS)]
            seen += _ids(first, expected // 3)
        # The client drops mid-burst and resumes on the other server from its last id.
        headers = {**alice, "Last-Event-ID": str(seen[-1])}
        with subscribe(b.url, headers) as second:
            seen += _ids(second, expected - len(seen))
        assert sum(f.result() for f in made) == expected
    with subscribe(a.url, alice, since="0") as replay:
        everything = _ids(replay, expected)
    assert seen == everything, _first_difference(seen, everything)


def _first_difference(got: list[int], want: list[int]) -> str:
    for index, (mine, theirs) in enumerate(zip(got, want, strict=False)):
        if mine != theirs:
            return (
                f"at {index}: got {got[index : index + 5]}, the table has {want[index : index + 5]}"
            )
    return f"got {len(got)} ids, the table has {len(want)}"

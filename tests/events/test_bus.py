"""The in-process bus and the sink fan-out, without a server."""

from __future__ import annotations

import asyncio
import threading
import uuid
from datetime import UTC, datetime

from behflow_server.db import Database
from behflow_server.events.bus import EventBus, LiveEvent
from behflow_server.events.sinks import sinks_of


def live(event_id: int, user_id: uuid.UUID) -> LiveEvent:
    return LiveEvent(event_id, user_id, "task.created", {"n": event_id}, datetime.now(UTC))


def test_publishing_from_threads_reaches_only_that_users_subscribers() -> None:
    alice, bob = uuid.uuid4(), uuid.uuid4()
    bus = EventBus()

    async def scenario() -> tuple[list[int], list[int], bool]:
        with bus.subscribe(alice) as a, bus.subscribe(bob) as b:
            workers = [
                threading.Thread(target=bus.publish, args=([live(i, alice), live(i, alice)],))
                for i in (1, 2)
            ]
            workers.append(threading.Thread(target=bus.publish, args=([live(3, bob)],)))
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
            got_a = sorted([(await a.queue.get()).id for _ in range(2)])  # type: ignore[union-attr]
            got_b = [(await b.queue.get()).id]  # type: ignore[union-attr]
            await asyncio.sleep(0.01)
            duplicates = not a.queue.empty() or not b.queue.empty()
        return got_a, got_b, duplicates

    got_a, got_b, duplicates = asyncio.run(scenario())
    assert got_a == [1, 2]
    assert got_b == [3]
    assert not duplicates  # the same event id published twice is delivered once
    assert not bus.has_subscribers(alice)


def test_a_subscriber_that_falls_behind_is_cut_off_after_what_it_has() -> None:
    user = uuid.uuid4()
    bus = EventBus(queue_size=2)

    async def scenario() -> tuple[list[int], bool]:
        with bus.subscribe(user) as sub:
            bus.publish([live(i, user) for i in range(1, 6)])
            await asyncio.sleep(0.01)
            got = [(await sub.queue.get()).id for _ in range(2)]  # type: ignore[union-attr]
            return got, sub.finished

    got, finished = asyncio.run(scenario())
    assert got == [1, 2]
    assert finished  # the stream ends; the client resumes from the table


def test_closing_the_bus_wakes_every_stream() -> None:
    bus = EventBus()

    async def scenario() -> list[object]:
        with bus.subscribe(uuid.uuid4()) as first, bus.subscribe(uuid.uuid4()) as second:
            bus.close()
            return [await first.queue.get(), await second.queue.get()]

    assert asyncio.run(scenario()) == [None, None]


def test_sink_fanout_keeps_the_existing_sink_and_survives_a_failing_one(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    calls: list[str] = []
    db.event_sink = lambda events: calls.append("existing")

    def broken(events: list[object]) -> None:
        raise RuntimeError("webhook down")

    fanout = sinks_of(db)
    assert sinks_of(db) is fanout is db.event_sink
    fanout.add(broken)
    fanout.add(lambda events: calls.append("later"))
    fanout([])
    assert calls == ["existing", "later"]
    fanout.remove(broken)
    assert len(fanout) == 2
    db.dispose()

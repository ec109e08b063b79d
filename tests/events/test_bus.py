"""The in-process bus and the sink fan-out, without a server."""

from __future__ import annotations

import asyncio
import threading
import uuid
from datetime import UTC, datetime

from behflow_server.db import Database
from behflow_server.events.bus import EventBus, LiveEvent, Signal
from behflow_server.events.sinks import sinks_of


def live(event_id: int, user_id: uuid.UUID) -> LiveEvent:
    return LiveEvent(event_id, user_id, "task.created", {"n": event_id}, datetime.now(UTC))


def test_publishing_from_threads_rings_only_that_users_subscribers() -> None:
    alice, bob, carol = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    bus = EventBus()

    async def scenario() -> tuple[list[Signal], list[Signal], list[Signal]]:
        with bus.subscribe(alice) as a, bus.subscribe(bob) as b, bus.subscribe(carol) as c:
            workers = [
                threading.Thread(target=bus.publish, args=([live(i, alice), live(i, alice)],))
                for i in (1, 2)
            ]
            workers.append(threading.Thread(target=bus.publish, args=([live(3, bob)],)))
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
            await asyncio.sleep(0.01)  # the hand-overs run on this loop
            return a.waiting(), b.waiting(), c.waiting()

    got_a, got_b, got_c = asyncio.run(scenario())
    assert got_a == [Signal.EVENTS]  # four publishes, one doorbell: the stream reads the table
    assert got_b == [Signal.EVENTS]
    assert got_c == []
    assert not bus.has_subscribers(alice)


def test_news_waits_once_each_however_much_of_it_comes() -> None:
    user = uuid.uuid4()
    bus = EventBus()

    async def scenario() -> tuple[list[Signal], list[Signal], list[Signal]]:
        with bus.subscribe(user) as sub:
            for i in range(1, 10_001):
                bus.publish([live(i, user)])
            bus.revoke(user)
            bus.revoke(user)
            await asyncio.sleep(0.01)
            first = [await sub.next(), *sub.waiting()]
            bus.publish([live(10_001, user)])
            bus.publish([live(10_001, user)])  # the same event again: no news
            await asyncio.sleep(0.01)
            again = sub.waiting()
            bus.publish([live(10_002, user)])
            bus.close()
            await asyncio.sleep(0.01)
            return first, again, sub.waiting()

    first, again, last = asyncio.run(scenario())
    assert first == [Signal.EVENTS, Signal.REVOKED]
    assert again == [Signal.EVENTS]
    assert last == [Signal.EVENTS, Signal.CLOSING]


def test_closing_the_bus_wakes_every_stream() -> None:
    bus = EventBus()

    async def scenario() -> list[object]:
        with bus.subscribe(uuid.uuid4()) as first, bus.subscribe(uuid.uuid4()) as second:
            bus.close()
            return [await first.next(), await second.next()]

    assert asyncio.run(scenario()) == [Signal.CLOSING, Signal.CLOSING]
    late = EventBus()
    late.close()

    async def opened_after_close() -> list[Signal]:
        with late.subscribe(uuid.uuid4()) as subscription:
            return subscription.waiting()

    assert asyncio.run(opened_after_close()) == [Signal.CLOSING]


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

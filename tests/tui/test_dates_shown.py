"""The Due column shows the one relative due rule (the whole shared case table, each case in
its viewer's zone), "moved from" beside a moved date, and the detail line's recurrence words."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.coordinate import Coordinate

from behflow_cli.dates import parse_time
from behflow_cli.tui.widgets.task_detail import TaskDetail
from behflow_cli.tui.widgets.task_table import TaskTable

CASES = json.loads((Path(__file__).parents[1] / "support" / "relative_due_cases.json").read_text())[
    "cases"
]


def task(**fields: Any) -> dict[str, Any]:
    return {
        "number": 1,
        "title": "Pay rent",
        "status": "not_started",
        "priority": "none",
        "tags": [],
        "due_at": None,
        **fields,
    }


class Harness(App[None]):
    def compose(self) -> ComposeResult:
        yield TaskTable(datetime.now, id="tasks")
        yield TaskDetail(datetime.now, id="detail")


def test_due_column_runs_the_whole_shared_table() -> None:
    seen: list[tuple[str, str]] = []

    async def run() -> None:
        async with Harness().run_test(size=(120, 20)) as pilot:
            table = pilot.app.query_one(TaskTable)
            for case in CASES:
                now = parse_time(case["now"])
                assert now is not None
                table.clock, table.zone = (lambda now=now: now), case["zone"]
                table.show([task(due_at=case["due"])])
                await pilot.pause()
                seen.append((table.get_cell_at(Coordinate(0, 5)).plain, case["expect"]))

    asyncio.run(run())
    assert [shown for shown, _ in seen] == [expected for _, expected in seen]
    assert len(seen) == len(CASES) >= 20


def test_moved_due_date_and_recurrence_in_words() -> None:
    year = datetime.now(UTC).year  # "20 Nov" is written without the year in the current one
    moved = task(
        due_at=f"{year}-11-23T09:00:00Z",
        original_due_at=f"{year}-11-20T17:00:00Z",
        due_moved_by="reschedule_overdue",
        recurrence="FREQ=WEEKLY;BYDAY=MO",
        recurrence_text="every Monday",
    )

    async def run() -> None:
        async with Harness().run_test(size=(120, 20)) as pilot:
            table = pilot.app.query_one(TaskTable)
            table.clock, table.zone = (lambda: datetime(year, 11, 22, 12, tzinfo=UTC)), "UTC"
            table.show([moved])
            await pilot.pause()
            assert table.get_cell_at(Coordinate(0, 5)).plain == "tomorrow · moved from 20 Nov"
            assert table.get_cell_at(Coordinate(0, 3)).plain == "↻ Pay rent"
            detail = pilot.app.query_one(TaskDetail)
            detail.clock, detail.zone = table.clock, "UTC"
            detail.current = moved
            await pilot.pause()
            line = str(detail.render())
            assert "moved from 20 Nov (m puts it back)" in line
            assert "↻ every Monday" in line

    asyncio.run(run())

"""Round trips through the real `task` program (Debian taskwarrior 2.6)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.interop.support import Headers, Taskwarrior, add, all_tasks, export, imported
from tests.support.peers import needs_program

pytestmark = needs_program("task", "taskwarrior")

# Fields both models have; `modified` is left out: Taskwarrior stamps it when it imports.
SHARED = ("uuid", "description", "status", "entry", "due", "end", "priority", "project", "tags")
SHARED += ("recur", "annotations", "start", "behflow_status", "behflow_priority", "behflow_ends")
SHARED += ("behflow_remind", "behflow_recurrence", "behflow_description")


def _iso(stamp: str) -> str:
    """Taskwarrior's 20261204T101500Z as 2026-12-04T10:15:00."""
    return f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[9:11]}:{stamp[11:13]}:{stamp[13:15]}"


def _seed(client: TestClient, headers: Headers) -> None:
    add(
        client,
        headers,
        title="Pay rent",
        description="to the landlord\nby transfer",
        due_at="2026-12-05T17:00:00Z",
        priority="urgent",
        tags=["home", "money"],
        project="Life",
        recurrence="FREQ=MONTHLY",
    )
    add(client, headers, title="Water plants", priority="low", status="completed")
    add(client, headers, title="Draft report", status="in_progress", priority="medium")
    add(client, headers, title="Wait for parts", status="blocked", tags=["garage"])
    add(
        client,
        headers,
        title="Standup",
        due_at="2026-12-07T09:00:00Z",
        ends_at="2026-12-07T09:15:00Z",
        remind_at="2026-12-07T08:50:00Z",
        recurrence="FREQ=WEEKLY;BYDAY=MO,WE",
    )
    for body in ("called the landlord", "he wants **cash**\nby friday"):
        noted = client.post("/api/v1/tasks/1/notes", json={"body": body}, headers=headers)
        assert noted.status_code == 201, noted.text
    gone = add(client, headers, title="Old idea", project="Someday")
    assert client.delete(f"/api/v1/tasks/{gone['number']}", headers=headers).status_code == 204


def _without_extra(task: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in task.items() if key not in ("extra", "updated_at")}


def _shared(item: dict[str, Any]) -> dict[str, Any]:
    return {name: item[name] for name in SHARED if name in item}


def test_behflow_to_taskwarrior_and_back_keeps_every_shared_field(
    client: TestClient, register: Callable[..., Headers], tmp_path: Path
) -> None:
    alice = register("alice")
    _seed(client, alice)
    before = all_tasks(client, alice)
    ours = json.loads(export(client, alice, "taskwarrior", archived="include"))
    assert len(ours) == 6
    task = Taskwarrior(tmp_path / "tw")
    task.import_json(json.dumps(ours), tmp_path / "ours.json")
    theirs = task.export()
    by_uuid = {item["uuid"]: item for item in theirs if "parent" not in item}
    assert set(by_uuid) == {item["uuid"] for item in ours}
    for item in ours:
        assert _shared(by_uuid[item["uuid"]]) == _shared(item), item["description"]
    rent = next(item for item in ours if item["description"] == "Pay rent")
    assert [a["description"] for a in rent["annotations"]] == [
        "to the landlord\nby transfer",
        "called the landlord",
        "he wants **cash**\nby friday",
    ]
    # Taskwarrior made an occurrence of each repeating task; Behflow keeps one per series.
    occurrences = [item for item in theirs if "parent" in item]
    assert {item["parent"] for item in occurrences} == {
        item["uuid"] for item in ours if item["status"] == "recurring"
    }

    result = imported(client, alice, "taskwarrior", json.dumps(theirs))
    assert result["created"] == 0
    # Behflow learns only Taskwarrior's bookkeeping (a template's mask), kept for the way back.
    assert all(item["changed"] == ["extra"] for item in result["items"] if item["changed"])
    after = all_tasks(client, alice)
    assert [_without_extra(task) for task in after] == [_without_extra(task) for task in before]
    notes = client.get("/api/v1/tasks/1/notes", headers=alice).json()["items"]
    assert [note["body"] for note in notes] == [
        "called the landlord",
        "he wants **cash**\nby friday",
    ]
    again = imported(client, alice, "taskwarrior", json.dumps(theirs))
    assert (again["created"], again["updated"], again["skipped"]) == (0, 0, len(theirs))


def test_taskwarrior_user_moves_in_and_out(
    client: TestClient, register: Callable[..., Headers], tmp_path: Path
) -> None:
    task = Taskwarrior(tmp_path / "tw")
    task.run("add", "Buy milk", "due:2026-12-10T18:00:00", "priority:H", "+errands", "project:Home")
    task.run("add", "Read book", "+leisure")
    task.run("1", "annotate", "semi-skimmed")
    task.run("2", "start")
    task.run("add", "Call plumber", "due:2026-12-08", "recur:weekly")
    task.run("add", "Old chore")
    task.run("4", "done")
    theirs = task.export()
    alice = register("alice")
    result = imported(client, alice, "taskwarrior", json.dumps(theirs))
    assert (result["created"], result["updated"]) == (4, 0), result
    reasons = [item["reason"] for item in result["items"] if item["action"] == "skipped"]
    assert all("occurrence" in reason for reason in reasons) and len(reasons) == 1
    tasks = {item["title"]: item for item in all_tasks(client, alice)}
    milk = tasks["Buy milk"]
    assert (milk["priority"], milk["project"], milk["tags"]) == ("high", "Home", ["errands"])
    assert milk["description"] is None
    notes = client.get(f"/api/v1/tasks/{milk['number']}/notes", headers=alice).json()["items"]
    assert [note["body"] for note in notes] == ["semi-skimmed"]
    annotated = next(item for item in theirs if item["description"] == "Buy milk")
    assert notes[0]["created_at"].startswith(_iso(annotated["annotations"][0]["entry"]))
    assert tasks["Read book"]["status"] == "in_progress"
    assert tasks["Call plumber"]["recurrence"] == "FREQ=WEEKLY"
    assert tasks["Old chore"]["status"] == "completed"

    # Importing the same file again changes nothing.
    again = imported(client, alice, "taskwarrior", json.dumps(theirs))
    assert (again["created"], again["updated"]) == (0, 0), again
    assert len(all_tasks(client, alice)) == 4

    # And out again: Taskwarrior recognises every task by its own uuid (no duplicates).
    ours = export(client, alice, "taskwarrior")
    assert {item["uuid"] for item in json.loads(ours)} <= {item["uuid"] for item in theirs}
    task.import_json(ours, tmp_path / "back.json")
    back = task.export()
    assert len(back) == len(theirs)
    original = {item["uuid"]: item for item in theirs}
    for item in back:
        for name in (*SHARED, "mask", "annotations"):
            assert item.get(name) == original[item["uuid"]].get(name), (item, name)

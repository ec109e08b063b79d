"""Import and export over the API: every format, bad files, one transaction, isolation."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.interop.support import Headers, add, all_tasks, export, import_file, imported

FORMATS = ("taskwarrior", "todotxt", "csv", "json", "todoist")
# A file in each format whose third task is bad (and the line it is on).
BAD_FILES = {
    "taskwarrior": (
        '[\n{"description": "One"},\n{"description": "Two"},\n'
        '{"description": "Three", "due": "someday"}\n]\n',
        4,
    ),
    "todotxt": "One\nTwo\n\nThree due:2026-13-45\n",
    "csv": "title,due_at\nOne,\nTwo,2026-12-05\nThree,not a date\n",
    "json": '[{"title": "One"},\n {"title": "Two"},\n {"title": "Three", "status": "maybe"}]',
    "todoist": "TYPE,CONTENT,PRIORITY\ntask,One,4\ntask,Two,1\n\ntask,Three,7\n",
}
BAD_LINES = {"taskwarrior": 4, "todotxt": 4, "csv": 4, "json": 3, "todoist": 5}


def _bad(fmt: str) -> str:
    value = BAD_FILES[fmt]
    return value[0] if isinstance(value, tuple) else value


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_round_trips_without_duplicates(
    fmt: str, client: TestClient, register: Callable[..., Headers]
) -> None:
    alice = register("alice")
    add(
        client,
        alice,
        title="Pay rent",
        due_at="2026-12-05T17:00:00Z",
        priority="high",
        tags=["home", "money"],
        project="Life",
        recurrence="FREQ=MONTHLY",
    )
    add(client, alice, title="Buy milk", due_at="2026-12-06T23:59:00Z", priority="medium")
    add(client, alice, title="Call mom", status="in_progress", tags=["family"])
    text = export(client, alice, fmt)
    bob = register("bob")
    first = imported(client, bob, fmt, text)
    assert first["created"] == 3, first
    mine = {task["title"]: task for task in all_tasks(client, alice)}
    theirs = {task["title"]: task for task in all_tasks(client, bob)}
    assert set(theirs) == set(mine)
    for title, task in theirs.items():
        for name in ("priority", "due_at", "tags", "project", "recurrence"):
            assert task[name] == mine[title][name], (fmt, title, name)
    if fmt != "todoist":  # a Todoist template has no ids: every import creates
        again = imported(client, bob, fmt, export(client, bob, fmt))
        assert (again["created"], again["updated"]) == (0, 0), again
        assert len(all_tasks(client, bob)) == 3


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_bad_file_names_the_line_and_imports_nothing(
    fmt: str, client: TestClient, auth: Headers
) -> None:
    response = import_file(client, auth, fmt, _bad(fmt))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_import"
    assert error["details"] == {"line": BAD_LINES[fmt], "format": fmt}
    assert error["message"].startswith(f"line {BAD_LINES[fmt]}: ")
    assert all_tasks(client, auth) == []


def test_a_line_only_the_task_service_refuses_rolls_back_the_lines_before_it(
    client: TestClient, auth: Headers
) -> None:
    # The recurrence rule is checked by the task service itself, after two tasks were
    # created in the same transaction: none of them may stay.
    body = "title,recurrence\nOne,\nTwo,FREQ=WEEKLY\nThree,FREQ=SOMETIMES\n"
    response = import_file(client, auth, "csv", body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"]["line"] == 4
    assert all_tasks(client, auth) == []
    assert add(client, auth, title="After")["number"] == 1  # no task number was used up


def test_dry_run_shows_what_would_happen_and_changes_nothing(
    client: TestClient, auth: Headers
) -> None:
    existing = add(client, auth, title="Existing")
    body = json.dumps([{"id": existing["id"], "title": "Renamed"}, {"title": "New one"}])
    result = imported(client, auth, "json", body, dry_run="true")
    assert result["dry_run"] is True
    assert (result["created"], result["updated"], result["skipped"]) == (1, 1, 0)
    assert result["items"][0]["changed"] == ["title"]
    assert result["items"][1]["number"] == 2
    assert [task["title"] for task in all_tasks(client, auth)] == ["Existing"]
    real = imported(client, auth, "json", body)
    assert (real["created"], real["updated"]) == (1, 1)
    assert [task["title"] for task in all_tasks(client, auth)] == ["Renamed", "New one"]


def test_another_users_uuid_creates_your_own_task_and_never_touches_theirs(
    client: TestClient, register: Callable[..., Headers]
) -> None:
    alice = register("alice")
    add(client, alice, title="Alice's secret")
    text = export(client, alice, "taskwarrior")
    bob = register("bob")
    assert json.loads(export(client, bob, "taskwarrior")) == []
    hijack = json.loads(text)
    hijack[0]["description"] = "Changed by Bob"
    result = imported(client, bob, "taskwarrior", json.dumps(hijack))
    assert result["created"] == 1
    assert [task["title"] for task in all_tasks(client, alice)] == ["Alice's secret"]
    assert [task["title"] for task in all_tasks(client, bob)] == ["Changed by Bob"]
    for fmt in FORMATS:
        assert "secret" not in export(client, bob, fmt)


def test_export_filters_like_the_task_list(client: TestClient, auth: Headers) -> None:
    add(client, auth, title="Work one", project="Work", tags=["urgent"])
    add(client, auth, title="Home one", project="Home")
    done = add(client, auth, title="Work done", project="Work", status="completed")

    def titles(**params: str) -> list[str]:
        return [t["title"] for t in json.loads(export(client, auth, "json", **params))]

    assert titles(project="Work") == ["Work one", "Work done"]
    assert titles(project="Work", status="open") == ["Work one"]
    assert titles(tag="urgent") == ["Work one"]
    assert titles(search="home") == ["Home one"]
    assert done["number"] == 3
    response = client.get("/api/v1/export", headers=auth, params={"format": "xml"})
    assert response.status_code == 422


def test_todotxt_reads_the_whole_grammar(client: TestClient, auth: Headers) -> None:
    body = (
        "(A) 2026-11-20 Call the bank +Money @phone @errands due:2026-12-05 rec:+2w\n"
        "x 2026-12-02 2026-11-30 Filed taxes +Money pri:B http://example.com\n"
        "(D) Read status:in_progress\n"
    )
    result = imported(client, auth, "todotxt", body)
    assert result["created"] == 3
    bank, taxes, read = all_tasks(client, auth)
    assert bank["priority"] == "urgent" and bank["project"] == "Money"
    assert bank["tags"] == ["phone", "errands"] and bank["recurrence"] == "FREQ=WEEKLY;INTERVAL=2"
    assert bank["due_at"] == "2026-12-05T23:59:00Z"
    assert bank["created_at"].startswith("2026-11-20")
    assert taxes["status"] == "completed" and taxes["completed_at"].startswith("2026-12-02")
    assert taxes["title"] == "Filed taxes http://example.com" and taxes["priority"] == "high"
    assert (read["priority"], read["status"]) == ("low", "in_progress")


def test_todoist_template_reads_sections_notes_labels_and_priority(
    client: TestClient, auth: Headers
) -> None:
    body = (
        "\ufeffTYPE,CONTENT,DESCRIPTION,PRIORITY,INDENT,AUTHOR,RESPONSIBLE,DATE,DATE_LANG,TIMEZONE\n"
        "meta,view_style=list,,,,,,,,\n"
        "task,Inbox zero @email,,1,1,,,,,\n"
        ",,,,,,,,,\n"
        "section,Chores,,,,,,,,\n"
        "task,Take out bins,,4,1,Me (1),,every monday,en,UTC\n"
        "note,Green bin too,,,,,,,,\n"
        "task,Clean oven,,3,1,,,2026-12-10 10:00,en,UTC\n"
    )
    result = imported(client, auth, "todoist", body.encode("utf-8"))
    assert result["created"] == 3, result
    inbox, bins, oven = all_tasks(client, auth)
    assert (inbox["title"], inbox["tags"], inbox["priority"]) == ("Inbox zero", ["email"], "none")
    assert (bins["project"], bins["priority"]) == ("Chores", "urgent")
    assert bins["recurrence"] == "FREQ=WEEKLY;BYDAY=MO" and bins["description"] == "Green bin too"
    assert (oven["priority"], oven["due_at"]) == ("high", "2026-12-10T10:00:00Z")


def test_limits_and_encoding(client: TestClient, auth: Headers) -> None:
    assert import_file(client, auth, "todotxt", "One\nTw\x00o\n").json()["error"]["details"] == {
        "line": 2,
        "format": "todotxt",
    }
    latin = import_file(client, auth, "todotxt", "Caf\xe9\n".encode("latin-1"))
    assert latin.status_code == 422 and "UTF-8" in latin.json()["error"]["message"]
    too_many = "".join(f"Task {n}\n" for n in range(10_001))
    response = import_file(client, auth, "todotxt", too_many)
    assert response.status_code == 422 and response.json()["error"]["details"]["line"] == 10_001
    huge = import_file(client, auth, "todotxt", "x" * 2_000_000)
    assert huge.status_code == 413
    duplicate = '[{"uuid": "6b1f1c1e-1111-4a4a-9a9a-000000000001", "description": "A"},'
    duplicate += '\n{"uuid": "6b1f1c1e-1111-4a4a-9a9a-000000000001", "description": "B"}]'
    response = import_file(client, auth, "taskwarrior", duplicate)
    assert response.json()["error"]["details"]["line"] == 2
    assert import_file(client, auth, "yaml", "x").status_code == 422
    assert all_tasks(client, auth) == []


def test_events_go_out_once_the_import_has_committed(client: TestClient, auth: Headers) -> None:
    database = client.app.state.context.db  # type: ignore[attr-defined]
    delivered: list[str] = []
    database.event_sink = lambda events: delivered.extend(event.type for event in events)
    body = "One\nTwo\n"
    imported(client, auth, "todotxt", body, dry_run="true")
    assert delivered == []  # a dry run made no task, so announced none
    assert import_file(client, auth, "todotxt", "One\nBad due:never\n").status_code == 422
    assert delivered == []
    imported(client, auth, "todotxt", body)
    assert delivered == ["task.created", "task.created"]


HOSTILE = {
    "taskwarrior": [
        ('[{"description": "Nul \\u0000 inside"}]', 1),
        ('[\n{"description": "Lone \\ud800 surrogate"}]', 2),
        ('[{"description": "Old", "due": "00010101T000000Z"}]', 1),
        ('[{"description": "Far", "entry": "99991231T230000Z"}]', 1),
        ("[" * 5000 + "]" * 5000, 1),
        ('[{"description": "Deep", "x": ' + "[" * 40 + "]" * 40 + "}]", 1),
        ('[{"description": 5}]', 1),
        ('[{"description": "T", "tags": ["has space"]}]', 1),
        ('[{"description": "T", "uuid": {"a": 1}}]', 1),
        ('[{"description": "T", "recur": "sometimes"}]', 1),
        ('[{"description": "T", "behflow_recurrence": "FREQ=NEVER"}]', 1),
        ('{"description": "unclosed"', 1),
        ("[1, 2]", 1),
    ],
    "csv": [
        ("title,due_at\nA,0001-01-01\n", 2),
        ("title,due_at\nA,9999-12-31T23:59:59+00:00\n", 2),
        ("title,priority\nA,extreme\n", 2),
        ('title\n"unclosed\n', 2),
        ("title,colour\nA,red\n", 1),
        ("title,description\nA," + "d" * 20_001 + "\n", 2),
    ],
    "todotxt": [("(A) x due:0001-01-01\n", 1), ("Fine\nrec:3q Bad\n", 2), ("due:2026-12-01\n", 1)],
    "json": [('[{"title": "A", "tags": "notalist"}]', 1), ('[{"title": "A", "due_at": 5}]', 1)],
    "todoist": [
        ("TYPE,CONTENT\nnote,orphan\n", 2),
        ("TYPE,CONTENT,DATE\ntask,A,every blue moon\n", 2),
    ],
}


@pytest.mark.parametrize(
    ("fmt", "body", "line"),
    [(fmt, body, line) for fmt, cases in HOSTILE.items() for body, line in cases],
)
def test_hostile_files_are_a_422_naming_the_line_never_a_500(
    fmt: str, body: str, line: int, client: TestClient, auth: Headers
) -> None:
    response = import_file(client, auth, fmt, body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"]["line"] == line
    assert all_tasks(client, auth) == []


def test_a_blank_default_project_is_a_422(client: TestClient, auth: Headers) -> None:
    response = import_file(client, auth, "todotxt", "A\n", project="+")
    assert response.status_code == 422, response.text


def test_deleting_in_taskwarrior_archives_and_pending_again_restores(
    client: TestClient, auth: Headers
) -> None:
    task = add(client, auth, title="Maybe")
    item = {"uuid": task["id"], "description": "Maybe", "status": "deleted"}
    item["end"] = "20261204T100000Z"
    result = imported(client, auth, "taskwarrior", json.dumps([item]))
    assert result["items"][0]["changed"] == ["deleted"]
    assert all_tasks(client, auth)[0]["archived_at"] is not None
    item["status"] = "pending"
    result = imported(client, auth, "taskwarrior", json.dumps([item]))
    assert result["items"][0]["changed"] == ["restored"]
    assert all_tasks(client, auth)[0]["archived_at"] is None
    new = {
        "uuid": "6b1f1c1e-1111-4a4a-9a9a-00000000abcd",
        "description": "Gone",
        "status": "deleted",
    }
    result = imported(client, auth, "taskwarrior", json.dumps([new]))
    assert result["items"][0] == {
        "line": 1,
        "action": "skipped",
        "title": "Gone",
        "number": None,
        "reason": "deleted in the file",
        "changed": [],
    }


def test_the_same_file_imported_twice_at_once_makes_each_task_once(
    client: TestClient, auth: Headers
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    tasks = [
        {"uuid": f"6b1f1c1e-1111-4a4a-9a9a-{n:012d}", "description": f"Task {n}"} for n in range(40)
    ]
    body = json.dumps(tasks)
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: import_file(client, auth, "taskwarrior", body), [1, 2]))
    assert [answer.status_code for answer in answers] == [200, 200]
    assert sorted(answer.json()["created"] for answer in answers) == [0, 40]
    assert len(all_tasks(client, auth)) == 40


def test_a_repeating_tasks_occurrences_export_under_distinct_uuids(
    client: TestClient, auth: Headers
) -> None:
    series = "6b1f1c1e-1111-4a4a-9a9a-0000000000aa"
    item = {"uuid": series, "description": "Water plants", "status": "recurring"}
    item |= {"due": "20261207T090000Z", "recur": "weekly"}
    imported(client, auth, "taskwarrior", json.dumps([item]))
    assert client.post("/api/v1/tasks/1/complete", headers=auth).status_code == 200
    assert len(all_tasks(client, auth)) == 2  # the next occurrence
    for fmt in ("taskwarrior", "todotxt", "csv"):
        text = export(client, auth, fmt)
        assert text.count(series) == 1, (fmt, text)
        again = imported(client, auth, fmt, text)
        assert again["created"] == 0, (fmt, again)
    exported = {i["status"]: i["uuid"] for i in json.loads(export(client, auth, "taskwarrior"))}
    assert exported["recurring"] == series  # the open occurrence keeps Taskwarrior's uuid

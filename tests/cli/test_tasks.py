"""The task workflow through the real CLI: piped output, --json fields, stdin bulk add."""

from __future__ import annotations

import json

from tests.cli.conftest import Cli


def _json(result: object) -> object:
    assert result.returncode == 0, result.stderr  # type: ignore[attr-defined]
    return json.loads(result.stdout)  # type: ignore[attr-defined]


def test_add_prints_number_and_reads_quick_add_text(alice: Cli) -> None:
    first = alice("task", "add", "Buy", "milk", "--due", "tomorrow", "--tag", "shop")
    assert first.returncode == 0, first.stderr
    assert first.stdout == "1\n"

    second = alice("task", "add", "Call mom tomorrow 5pm #family !high project:home", "--json")
    task = _json(second)
    assert task["number"] == 2
    assert task["title"] == "Call mom"
    assert (task["priority"], task["tags"], task["project"]) == ("high", ["family"], "home")
    assert task["due_at"].endswith("T17:00:00Z")

    # Options win over what the text says.
    third = _json(alice("task", "add", "Pay rent !low", "-p", "urgent", "--json", "priority"))
    assert third == {"priority": "urgent"}

    explained = _json(alice("task", "add", "Water plants friday #home", "--explain", "--json"))
    assert explained[0]["title"] == "Water plants"
    assert explained[0]["tags"] == ["home"]
    assert len(_json(alice("task", "list", "--json", "number"))) == 3  # --explain adds nothing

    # `+word` is a tag, as in Taskwarrior; a project is `project:Name` (or `pro:Name`).
    tagged = _json(alice("task", "add", "Fix sink +home pro:house", "--json", "tags,project"))
    assert tagged == {"tags": ["home"], "project": "house"}


def test_stdin_bulk_add(alice: Cli) -> None:
    added = alice("task", "add", "-", stdin="a\nb\n\nc #x\n")
    assert added.returncode == 0, added.stderr
    assert added.stdout.split() == ["1", "2", "3"]
    titles = alice("task", "list", "--json", "title,tags")
    assert _json(titles) == [
        {"title": "A", "tags": []},  # quick add capitalises the first letter
        {"title": "B", "tags": []},
        {"title": "C", "tags": ["x"]},
    ]

    as_json = _json(alice("task", "add", "-", "--json", "number,title", stdin="d\ne\n"))
    assert as_json == [{"number": 4, "title": "D"}, {"number": 5, "title": "E"}]

    # A line that fails is reported with its line number; the others are still added.
    partial = alice("task", "add", "-", "-p", "high", stdin="f\n#only-a-tag\ng\n")
    assert partial.returncode == 1
    assert partial.stdout.split() == ["6", "7"]
    assert "line 2 ('#only-a-tag')" in partial.stderr
    assert "1 of 3 lines were not added" in partial.stderr
    priorities = _json(alice("task", "list", "--search", "g", "--json", "title,priority"))
    assert {"title": "G", "priority": "high"} in priorities


def test_list_output_formats(alice: Cli) -> None:
    alice("task", "add", "First", "--due", "2030-01-02 10:00", "--project", "p", "-D", "a\tb\nc")
    alice("task", "add", "Second", "--tag", "t1", "--tag", "t2")

    plain = alice("task", "list")
    assert plain.returncode == 0
    assert plain.stdout.splitlines() == [
        "1\tnot_started\tnone\t2030-01-02T10:00:00Z\tFirst\t\tp",
        "2\tnot_started\tnone\t\tSecond\tt1,t2\t",
    ]
    tsv = alice("task", "list", "--format", "tsv").stdout.splitlines()
    assert tsv[0] == "number\tstatus\tpriority\tdue_at\ttitle\ttags\tproject"
    assert tsv[1].split("\t")[4] == "First"

    full = _json(alice("task", "list", "--json"))
    assert set(full[0]) >= {"number", "title", "status", "due_at", "created_at", "id"}

    nd = alice("task", "list", "--format", "ndjson", "--json", "number,title")
    assert [json.loads(line) for line in nd.stdout.splitlines()] == [
        {"number": 1, "title": "First"},
        {"number": 2, "title": "Second"},
    ]
    picked = alice("task", "list", "--format", "tsv", "--json", "description,number")
    assert picked.stdout.splitlines() == ["description\tnumber", "a\\tb\\nc\t1", "\t2"]

    show = alice("task", "show", "1")
    assert "title\tFirst" in show.stdout.splitlines()
    assert "description\ta b c" in show.stdout.splitlines()
    assert _json(alice("task", "show", "2", "--json", "tags")) == {"tags": ["t1", "t2"]}

    bad_field = alice("task", "list", "--json", "number,nope")
    assert bad_field.returncode == 2


def test_filters(alice: Cli) -> None:
    alice("task", "add", "Old", "--due", "2020-01-01", "--tag", "work", "-p", "high")
    alice("task", "add", "Soon", "--due", "today 23:58", "--project", "home")
    alice("task", "add", "Later", "--due", "2035-05-05", "--description", "gift ideas")
    alice("task", "add", "Undated", "-p", "low")

    def numbers(*args: str) -> list[int]:
        return [t["number"] for t in _json(alice("task", "list", *args, "--json", "number"))]

    assert numbers() == [1, 2, 3, 4]
    assert numbers("--due", "overdue") == [1]
    assert numbers("--due", "today") == [2]
    assert numbers("--tag", "work") == [1]
    assert numbers("--project", "home") == [2]
    assert numbers("--priority", "low") == [1, 4]
    assert numbers("--search", "gift") == [3]
    assert numbers("--sort", "-number", "--limit", "2") == [4, 3]
    assert numbers("--status", "blocked") == []


def test_status_changes_done_reopen_delete(alice: Cli) -> None:
    alice("task", "add", "-", stdin="one\ntwo\nthree\n")

    started = _json(alice("task", "start", "1", "--json", "status"))
    assert started == {"status": "in_progress"}
    assert alice("task", "block", "2").stdout == "2\n"
    updated = _json(
        alice("task", "update", "3", "--title", "THREE", "-p", "medium", "--tag", "z", "--json")
    )
    assert (updated["title"], updated["priority"], updated["tags"]) == ("THREE", "medium", ["z"])
    cleared = _json(alice("task", "update", "3", "--no-tags", "--json", "tags"))
    assert cleared == {"tags": []}
    nothing = alice("task", "update", "3")
    assert nothing.returncode == 2

    done = alice("task", "done", "1", "2")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "2"]
    assert [t["number"] for t in _json(alice("task", "list", "--json", "number"))] == [3]
    missing = alice("task", "done", "3", "99", "--json")
    assert missing.returncode == 1
    assert _json_body(missing.stdout) == {"changed": [3], "not_found": [99]}
    assert "#99" in missing.stderr

    reopened = _json(alice("task", "reopen", "1", "--json", "status"))
    assert reopened == {"status": "not_started"}

    refused = alice("task", "delete", "1")
    assert refused.returncode == 2
    assert "--yes" in refused.stderr
    deleted = alice("task", "delete", "1", "--yes")
    assert deleted.stdout == "1\n"
    assert 1 not in [t["number"] for t in _json(alice("task", "list", "--json", "number"))]
    archived = _json(alice("task", "list", "--all", "--json", "number,archived_at"))
    assert next(t for t in archived if t["number"] == 1)["archived_at"] is not None
    restored = _json(alice("task", "reopen", "1", "--json", "archived_at,status"))
    assert restored == {"archived_at": None, "status": "not_started"}

    everything = _json(alice("task", "list", "--all", "--json", "number,status"))
    assert {t["number"]: t["status"] for t in everything} == {
        1: "not_started",
        2: "completed",
        3: "completed",
    }


def _json_body(text: str) -> object:
    return json.loads(text)

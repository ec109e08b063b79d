"""Helpers for the interop tests: the API's import/export and a real Taskwarrior."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

Headers = dict[str, str]
TASKS = "/api/v1/tasks"


def add(client: TestClient, headers: Headers, **fields: Any) -> dict[str, Any]:
    response = client.post(TASKS, headers=headers, json=fields)
    assert response.status_code == 201, response.text
    return dict(response.json())


def all_tasks(client: TestClient, headers: Headers) -> list[dict[str, Any]]:
    response = client.get(
        TASKS, headers=headers, params={"archived": "include", "limit": 1000, "sort": "number"}
    )
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def export(client: TestClient, headers: Headers, fmt: str, **params: Any) -> str:
    response = client.get("/api/v1/export", headers=headers, params={"format": fmt, **params})
    assert response.status_code == 200, response.text
    return response.text


def import_file(
    client: TestClient, headers: Headers, fmt: str, body: str | bytes, **params: Any
) -> Any:
    return client.post(
        "/api/v1/import",
        headers={**headers, "Content-Type": "text/plain"},
        params={"format": fmt, **params},
        content=body.encode() if isinstance(body, str) else body,
    )


def imported(client: TestClient, headers: Headers, fmt: str, body: str, **params: Any) -> Any:
    response = import_file(client, headers, fmt, body, **params)
    assert response.status_code == 200, response.text
    return response.json()


class Taskwarrior:
    """The real `task` program (Debian's taskwarrior) on its own data in a temporary folder."""

    def __init__(self, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.rc = home / "taskrc"
        self.rc.write_text("")
        self.data = home / "data"
        self.data.mkdir(exist_ok=True)

    def run(self, *args: str, stdin: str | None = None) -> str:
        env = {**os.environ, "TASKRC": str(self.rc), "TASKDATA": str(self.data)}
        result = subprocess.run(
            [
                "task",
                "rc.confirmation=off",
                "rc.recurrence.confirmation=no",
                "rc.json.array=on",
                "rc.verbose=nothing",
                "rc.hooks=off",
                *args,
            ],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def import_json(self, text: str, path: Path) -> None:
        path.write_text(text)
        self.run("import", str(path))

    def export(self) -> list[dict[str, Any]]:
        return list(json.loads(self.run("export")))

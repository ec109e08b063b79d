"""How long importing and exporting take: N tasks through the real app (in process).

    .venv/bin/python bench/interop.py [--tasks N] [--database-url URL]

Imports a todo.txt file of N tasks (dry run, then for real), re-imports the same tasks as a
Taskwarrior file (all matched, all unchanged), and exports them in each format. SQLite in a
temporary folder unless --database-url names another (it is emptied first).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from behflow_server.config import Settings
from behflow_server.main import create_app

FORMATS = ("taskwarrior", "todotxt", "csv", "json", "todoist")


def _timed(label: str, call: object) -> object:
    started = time.perf_counter()
    response = call()  # type: ignore[operator]
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text  # type: ignore[attr-defined]
    print(f"{label:<40} {elapsed:7.2f} s")
    return response


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        if args.database_url:
            from tests.support.databases import empty_postgres, prepare_postgres

            prepare_postgres(url)
            empty_postgres(url)
        settings = Settings(
            data_dir=Path(folder),
            database_url=url,
            secret_key="bench-secret-key-that-is-long-enough-for-hs256-0123456789",  # type: ignore[arg-type]
            scheduler_enabled=False,
        )
        with TestClient(create_app(settings)) as client:
            token = client.post(
                "/register", json={"username": "bench", "password": "correct horse"}
            ).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}", "Content-Type": "text/plain"}
            lines = "".join(
                f"(B) 2026-11-{1 + n % 28:02d} Task {n} +Project{n % 7} @tag{n % 5} "
                f"due:2026-12-{1 + n % 28:02d}\n"
                for n in range(args.tasks)
            )
            print(f"{args.tasks} tasks, {settings.resolved_database_url.split(':')[0]}")

            def post(fmt: str, body: str, dry: bool = False):  # type: ignore[no-untyped-def]
                params = {"format": fmt, **({"dry_run": "true"} if dry else {})}
                return lambda: client.post(
                    "/api/v1/import", headers=auth, params=params, content=body.encode()
                )

            _timed("import todo.txt (dry run)", post("todotxt", lines, dry=True))
            _timed("import todo.txt", post("todotxt", lines))
            exported: dict[str, str] = {}
            for fmt in FORMATS:
                response = _timed(
                    f"export {fmt}",
                    lambda fmt=fmt: client.get(  # type: ignore[misc]
                        "/api/v1/export", headers=auth, params={"format": fmt}
                    ),
                )
                exported[fmt] = response.text  # type: ignore[attr-defined]
            result = _timed(
                "re-import taskwarrior (all unchanged)",
                post("taskwarrior", exported["taskwarrior"]),
            )
            assert result.json()["skipped"] == args.tasks  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()

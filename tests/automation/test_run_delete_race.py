"""Issue #10.7: running a process while it is deleted answers 404 or 409 (never a 500), and on
PostgreSQL the two never deadlock. Raced against a real uvicorn server, on both databases."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import httpx
import pytest
from sqlmodel import Session

from behflow_server.auth.models import User
from behflow_server.config import Settings
from behflow_server.db import Database, utcnow
from behflow_server.errors import NotFound
from behflow_server.processes import jobs
from behflow_server.processes import service as processes
from tests.support.live import LiveServer

ROUNDS = 30


def _race(url: str, headers: dict[str, str], name: str) -> tuple[httpx.Response, httpx.Response]:
    barrier = threading.Barrier(2)

    def call(method: str, path: str) -> httpx.Response:
        with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
            barrier.wait()
            return http.request(method, path)

    with ThreadPoolExecutor(2) as pool:
        run = pool.submit(call, "POST", f"/api/v1/processes/{name}/run")
        delete = pool.submit(call, "DELETE", f"/api/v1/processes/{name}")
        return run.result(), delete.result()


def test_run_racing_delete_never_fails_the_server(
    api: httpx.Client, live_server: LiveServer
) -> None:
    token = api.post("/register", json={"username": "racer", "password": "correct horse"}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    outcomes: list[tuple[int, int]] = []
    for round_ in range(ROUNDS):
        name = f"race-{round_}"
        created = api.post(
            "/api/v1/processes",
            headers=headers,
            json={"name": name, "kind": "analytics", "schedule": "every 1h"},
        )
        assert created.status_code == 201, created.text
        run, delete = _race(live_server.url, headers, name)
        code = run.json()["error"]["code"] if run.status_code >= 400 else ""
        outcomes.append((run.status_code, code))
        outcomes.append((delete.status_code, ""))
        # Whatever the order, the process is gone afterwards.
        assert api.get(f"/api/v1/processes/{name}", headers=headers).status_code == 404
    bad = [o for o in outcomes if o[0] not in (200, 204, 404, 409)]
    codes = {code for status, code in outcomes if status in (404, 409)} - {""}
    assert not bad, (Counter(outcomes), live_server.log_path.read_text()[-3000:])
    assert codes <= {"process_not_found"}, Counter(outcomes)
    log = live_server.log_path.read_text()
    assert "deadlock" not in log.lower(), log[-4000:]
    assert "Traceback" not in log, log[-4000:]
    assert "AssertionError" not in log, log[-4000:]


def test_a_process_deleted_while_it_runs_ends_its_run_with_404(
    database: Database,
    settings: Settings,
    session: Session,
    make_user: Callable[..., User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The interleaving the race above hits by chance, made certain: DELETE commits while the
    job runs. It used to be an AssertionError (a 500) when the run was recorded."""
    user = make_user()
    analytics = jobs.KINDS["analytics"]

    def delete_meanwhile(context: jobs.JobContext) -> dict[str, object]:
        with database.session() as other:
            processes.delete_process(other, user, "analytics")
        return analytics.run(context)

    monkeypatch.setitem(jobs.KINDS, "analytics", replace(analytics, run=delete_meanwhile))
    with pytest.raises(NotFound) as raised:
        processes.run_now(database, session, user, "analytics", settings=settings, clock=utcnow)
    assert raised.value.code == "process_not_found"
    assert raised.value.status == 404
    with pytest.raises(NotFound):
        processes.get_process(session, user, "analytics")

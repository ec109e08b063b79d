"""Two servers on one PostgreSQL undoing the same changeset at once: exactly one undo wins,
every other answers 409 already_undone, and the tasks are reverted once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.support.replicas import shared_store, two_servers


def test_two_replicas_undo_one_changeset_once(tmp_path: Path) -> None:
    with two_servers(shared_store("postgresql", tmp_path), tmp_path) as servers:
        urls = [server.url for server in servers]
        registered = httpx.post(
            f"{urls[0]}/register",
            json={"username": "rita", "password": "long enough", "timezone": "UTC"},
            timeout=30,
        )
        assert registered.status_code == 201, registered.text
        headers = {"Authorization": f"Bearer {registered.json()['access_token']}"}
        with httpx.Client(base_url=urls[0], headers=headers, timeout=30) as api:
            for index in range(10):
                assert api.post("/api/v1/tasks", json={"title": f"t{index}"}).status_code == 201
            done = api.post("/api/v1/tasks/bulk/complete", json={"numbers": list(range(1, 11))})
            assert done.status_code == 200
            target = api.get("/api/v1/history", params={"limit": 1}).json()["items"][0]
            assert len(target["changes"]) == 10

        def undo(index: int) -> httpx.Response:
            return httpx.post(
                f"{urls[index % 2]}/api/v1/history/undo",
                headers=headers,
                json={"changeset": target["id"]},
                timeout=60,
            )

        with ThreadPoolExecutor(max_workers=4) as pool:
            answers = list(pool.map(undo, range(4)))
        codes = sorted(a.status_code for a in answers)
        assert codes == [200, 409, 409, 409], [a.text for a in answers]
        assert {a.json()["error"]["code"] for a in answers if a.status_code == 409} == {
            "already_undone"
        }
        page = httpx.get(f"{urls[1]}/api/v1/history", headers=headers, timeout=30).json()
        assert [c["kind"] for c in page["items"][:2]] == ["undo", "change"]
        tasks = httpx.get(
            f"{urls[1]}/api/v1/tasks", headers=headers, params={"status": "open"}, timeout=30
        ).json()
        assert tasks["total"] == 10

"""CPU per request with and without the one-second token cache (issue #15), in process.

    .venv/bin/python bench/auth_cache_ab.py

The app runs in this process behind httpx's ASGITransport on a throw-away SQLite file; each
figure is process CPU time over 200 requests (client included), so other load on the machine
disturbs it much less than wall time. Alternates the modes twice.
"""

import asyncio
import os
import tempfile
import time

os.environ["BEHFLOW_SCHEDULER_ENABLED"] = "false"
import httpx

from behflow_server import migrate
from behflow_server.auth import cache
from behflow_server.config import load_settings
from behflow_server.main import create_app

d = tempfile.mkdtemp()
settings = load_settings(database_url=f"sqlite:///{d}/b.db", data_dir=d, secret_key="x" * 40)
app = create_app(settings)
migrate.upgrade(app.state.context.db.engine)


async def main():
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", headers={"User-Agent": "ab"}
    ) as c:
        tok = (
            await c.post("/register", json={"username": "abuser", "password": "ab-password"})
        ).json()["access_token"]
        h = {"Authorization": f"Bearer {tok}"}
        for i in range(60):
            await c.post("/api/v1/tasks", json={"title": f"t{i}"}, headers=h)
        for label, path in (("get", "/api/v1/tasks/30"), ("list", "/api/v1/tasks?limit=50")):
            for mode in ("cache", "nocache", "cache", "nocache"):
                orig = cache.recall
                if mode == "nocache":
                    cache.recall = lambda s, j: None
                t = time.process_time()
                for _ in range(200):
                    r = await c.get(path, headers=h)
                    assert r.status_code == 200
                cache.recall = orig
                print(label, mode, f"{(time.process_time() - t) / 200 * 1000:.2f} ms CPU/request")


asyncio.run(main())

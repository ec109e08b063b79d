"""End to end against a real uvicorn process on a free port."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.live import LiveServer, free_port


def test_a_user_session_through_a_real_server(api: httpx.Client) -> None:
    health = api.get("/health").json()
    assert health["status"] == "ok"
    token = api.post("/register", json={"username": "e2e", "password": "long enough"}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    created = api.post(
        "/api/v1/tasks", headers=headers, json={"title": "Ship it", "due": "tomorrow"}
    )
    assert created.status_code == 201
    assert created.headers["x-request-id"]
    listed = api.get("/api/v1/tasks", headers=headers, params={"search": "ship"}).json()
    assert [t["title"] for t in listed["items"]] == ["Ship it"]
    done = api.post("/api/v1/tasks/1/complete", headers=headers).json()
    assert done["status"] == "completed"
    assert api.post("/logout", headers=headers).status_code == 204
    assert api.get("/api/v1/tasks", headers=headers).status_code == 401


def test_request_id_is_echoed_and_logged(api: httpx.Client, live_server: LiveServer) -> None:
    response = api.get("/health", headers={"X-Request-ID": "trace-me-123"})
    assert response.headers["x-request-id"] == "trace-me-123"
    live_server.stop()
    log = live_server.log_path.read_text()
    assert "GET /health 200" in log and "id=trace-me-123" in log


def test_openapi_docs_are_served(api: httpx.Client) -> None:
    assert api.get("/docs").status_code == 200
    spec = api.get("/openapi.json").json()
    assert "/api/v1/tasks" in spec["paths"] and "/login" in spec["paths"]


def test_cors_allows_only_configured_origins(
    live_server_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**live_server_env, "BEHFLOW_CORS_ORIGINS": "https://tasks.example.com"}
    server = LiveServer(env, tmp_path / "cors.log").start()
    try:
        preflight = {"Access-Control-Request-Method": "GET"}
        allowed = httpx.options(
            f"{server.url}/api/v1/tasks",
            headers={"Origin": "https://tasks.example.com", **preflight},
        )
        assert allowed.headers.get("access-control-allow-origin") == "https://tasks.example.com"
        denied = httpx.options(
            f"{server.url}/api/v1/tasks", headers={"Origin": "https://evil.example", **preflight}
        )
        assert "access-control-allow-origin" not in denied.headers
    finally:
        server.stop()


def test_first_start_generates_a_private_secret_key(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh-data"
    env = {"BEHFLOW_DATA_DIR": str(data_dir), "BEHFLOW_SCHEDULER_ENABLED": "false"}
    for name in ("BEHFLOW_DATABASE_URL", "BEHFLOW_SECRET_KEY"):
        os.environ.pop(name, None)
    server = LiveServer(env, tmp_path / "fresh.log").start()
    try:
        assert httpx.get(f"{server.url}/health").json()["database"] == "sqlite"
        token = httpx.post(
            f"{server.url}/register", json={"username": "first", "password": "long enough"}
        ).json()["access_token"]
    finally:
        server.stop()
    key_file = data_dir / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_text()) >= 32
    assert (data_dir / "behflow.db").exists()
    # the key survives a restart: the old token still works
    server = LiveServer(env, tmp_path / "fresh.log").start()
    try:
        me = httpx.get(f"{server.url}/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200
    finally:
        server.stop()


def _start_with(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "behflow_server"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_bad_configuration_stops_start_up_with_one_line(tmp_path: Path) -> None:
    cases = {
        "BEHFLOW_PORT": "not-a-port",
        "BEHFLOW_TOKEN_TTL_MINUTES": "0",
        "BEHFLOW_DATABASE_URL": "mysql://nope",
        "BEHFLOW_LOG_LEVEL": "chatty",
    }
    for name, value in cases.items():
        result = _start_with({"BEHFLOW_DATA_DIR": str(tmp_path), name: value})
        assert result.returncode == 2, (name, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert name in lines[0] and "Traceback" not in result.stderr


def test_unreachable_database_fails_start_up_clearly(tmp_path: Path) -> None:
    port = free_port()
    result = _start_with(
        {
            "BEHFLOW_DATA_DIR": str(tmp_path),
            "BEHFLOW_DATABASE_URL": f"postgresql://nobody@127.0.0.1:{port}/none",
            "BEHFLOW_PORT": str(free_port()),
        }
    )
    assert result.returncode != 0
    assert "database" in result.stderr.lower()
    assert "Traceback" not in result.stderr

"""A server with its secret key given and a data directory that does not exist yet starts
(issue #10, point 9: it used to fail because only the key generator created the directory)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from behflow_server.config import Settings
from behflow_server.main import create_app


def test_the_data_directory_is_created_for_the_default_store(tmp_path: Path) -> None:
    data_dir = tmp_path / "not" / "there" / "yet"
    settings = Settings(
        data_dir=data_dir,
        secret_key="a-secret-given-by-the-operator-0123456789",  # type: ignore[arg-type]
        scheduler_enabled=False,
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/health").status_code == 200
        registered = client.post("/register", json={"username": "ann", "password": "long enough"})
        assert registered.status_code == 201, registered.text
    assert (data_dir / "behflow.db").exists()
    assert not (data_dir / "secret_key").exists()  # the given key is used, none generated

"""Property-based fuzzing of the whole HTTP API from its OpenAPI schema (schemathesis):
valid and invalid requests alike must never get a 5xx."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from sqlmodel import select

from behflow_server.auth.models import User
from behflow_server.config import Settings
from behflow_server.main import create_app

pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.fixture
def app_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        response = client.post("/register", json={"username": "fuzz", "password": "long enough"})
        assert response.status_code == 201
        client.post("/api/v1/tasks", headers=_auth(client), json={"title": "seed", "tags": ["a"]})
        yield client


def _auth(client: TestClient) -> dict[str, str]:
    """A valid token for the fuzz user, even after a case changed its password or logged out."""
    context = client.app.state.context  # type: ignore[attr-defined]
    with context.db.session() as session:
        user = session.exec(select(User).where(User.username_key == "fuzz")).one()
        token, _ = context.tokens.issue(user.id, user.token_version)
    return {"Authorization": f"Bearer {token}"}


SKIPPED_PATHS = ("/stream", "/events")  # streaming endpoints have their own tests


# Every operation of the API (about 70 since issue #14) gets its examples: longer than the
# suite's default 120 s per test on a loaded machine.
@pytest.mark.timeout(300)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_request_gets_a_server_error(app_client: TestClient, mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app_client.app)
    checked = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.endswith(SKIPPED_PATHS):
            continue

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=25 if mode is GenerationMode.POSITIVE else 15,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def call(case: schemathesis.Case) -> None:
            headers = {**(case.headers or {}), **_auth(app_client)}
            response = case.call(headers=headers, session=app_client)
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path} -> {response.status_code}: "
                f"{response.text[:500]}\n{case.as_curl_command()}"
            )

        try:
            call()
        except Unsatisfiable:
            # nothing to break: e.g. no parameters to send wrong (negative mode only)
            assert mode is GenerationMode.NEGATIVE
            continue
        checked += 1
    assert checked >= (15 if mode is GenerationMode.POSITIVE else 8)

"""Accounts: registration, login, token expiry and revocation, rate limiting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from behflow_server.auth.security import TokenIssuer
from behflow_server.config import Settings
from behflow_server.main import create_app


def _login(client: TestClient, username: str, password: str) -> dict[str, str]:
    response = client.post("/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_register_returns_a_working_token(client: TestClient) -> None:
    response = client.post("/register", json={"username": "Alice", "password": "long enough"})
    assert response.status_code == 201
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_at"].endswith("Z")
    me = client.get("/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["username"] == "Alice"
    assert "password_hash" not in me.json()


def test_usernames_are_unique_regardless_of_case(client: TestClient) -> None:
    assert (
        client.post("/register", json={"username": "Bob", "password": "long enough"}).status_code
        == 201
    )
    clash = client.post("/register", json={"username": "bOB", "password": "long enough"})
    assert clash.status_code == 409
    assert clash.json()["error"]["code"] == "username_taken"
    # and login is case-insensitive too
    _login(client, "BOB", "long enough")


def test_passwords_are_hashed_with_argon2(client: TestClient, settings: Settings) -> None:
    client.post("/register", json={"username": "carol", "password": "long enough"})
    from sqlmodel import select

    from behflow_server.auth.models import User

    with client.app.state.context.db.session() as session:  # type: ignore[attr-defined]
        user = session.exec(select(User)).one()
    assert user.password_hash.startswith("$argon2")
    assert "long enough" not in user.password_hash


@pytest.mark.parametrize(
    "body",
    [
        {"username": "a", "password": "long enough"},
        {"username": "has space", "password": "long enough"},
        {"username": "dave", "password": "short"},
        {"username": "dave"},
        {"username": 12, "password": "long enough"},
        {"username": "dave", "password": "long enough", "timezone": "Mars/Olympus"},
    ],
)
def test_bad_registration_is_422_naming_the_field(client: TestClient, body: dict) -> None:
    response = client.post("/register", json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["details"]["errors"][0]["field"] in {"username", "password", "timezone"}


def test_login_accepts_the_oauth2_form(client: TestClient, register: Callable) -> None:
    register("erin", "long enough")
    response = client.post("/login", data={"username": "erin", "password": "long enough"})
    assert response.status_code == 200
    assert response.json()["token_type"] == "bearer"


def test_wrong_password_and_unknown_user_look_the_same(
    client: TestClient, register: Callable
) -> None:
    register("frank", "long enough")
    wrong = client.post("/login", json={"username": "frank", "password": "nope nope"})
    unknown = client.post("/login", json={"username": "nobody", "password": "nope nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_endpoints_need_a_token(client: TestClient) -> None:
    for method, path in [("GET", "/me"), ("GET", "/api/v1/tasks"), ("POST", "/logout")]:
        response = client.request(method, path)
        assert response.status_code == 401, path
        assert response.json()["error"]["code"] == "not_authenticated"
    garbage = client.get("/me", headers={"Authorization": "Bearer not-a-jwt"})
    assert garbage.status_code == 401
    assert garbage.json()["error"]["code"] == "invalid_token"


def test_token_signed_with_another_key_is_rejected(client: TestClient, register: Callable) -> None:
    register("gina")
    me = client.get("/me", headers=register("harry"))
    forged, _ = TokenIssuer(
        "another-secret-key-of-sufficient-length-000000", timedelta(hours=1)
    ).issue(__import__("uuid").UUID(me.json()["id"]), 0)
    response = client.get("/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


def test_expired_token_is_rejected(settings: Settings) -> None:
    short = settings.model_copy(update={"token_ttl_minutes": 1})
    with TestClient(create_app(short)) as client:
        token = client.post(
            "/register", json={"username": "ivan", "password": "long enough"}
        ).json()["access_token"]
        context = client.app.state.context  # type: ignore[attr-defined]
        claims = context.tokens.decode(token)
        expired, _ = TokenIssuer(context.tokens.secret_key, timedelta(seconds=-5)).issue(
            claims.user_id, claims.version
        )
        assert client.get("/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        response = client.get("/me", headers={"Authorization": f"Bearer {expired}"})
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "token_expired"


def test_logout_revokes_only_that_token(client: TestClient, register: Callable) -> None:
    first = register("judy", "long enough")
    second = _login(client, "judy", "long enough")
    assert client.post("/logout", headers=first).status_code == 204
    revoked = client.get("/me", headers=first)
    assert revoked.status_code == 401
    assert revoked.json()["error"]["code"] == "token_revoked"
    assert client.get("/me", headers=second).status_code == 200


def test_logout_everywhere_and_password_change_revoke_earlier_tokens(
    client: TestClient, register: Callable
) -> None:
    first = register("kim", "long enough")
    second = _login(client, "kim", "long enough")
    changed = client.post(
        "/me/password",
        headers=first,
        json={"current_password": "long enough", "new_password": "even longer now"},
    )
    assert changed.status_code == 200
    fresh = {"Authorization": f"Bearer {changed.json()['access_token']}"}
    assert client.get("/me", headers=first).status_code == 401
    assert client.get("/me", headers=second).status_code == 401
    assert client.get("/me", headers=fresh).status_code == 200
    assert (
        client.post("/login", json={"username": "kim", "password": "long enough"}).status_code
        == 401
    )
    newest = _login(client, "kim", "even longer now")
    assert client.post("/logout?everywhere=true", headers=newest).status_code == 204
    assert client.get("/me", headers=fresh).status_code == 401
    assert client.get("/me", headers=newest).status_code == 401


def test_wrong_current_password_does_not_change_it(client: TestClient, register: Callable) -> None:
    headers = register("lena", "long enough")
    response = client.post(
        "/me/password",
        headers=headers,
        json={"current_password": "wrong one", "new_password": "even longer now"},
    )
    assert response.status_code == 422
    assert client.get("/me", headers=headers).status_code == 200
    _login(client, "lena", "long enough")


def test_failed_logins_are_rate_limited_per_username(settings: Settings) -> None:
    limited = settings.model_copy(update={"login_max_failures": 3, "login_window_seconds": 60})
    with TestClient(create_app(limited)) as client:
        client.post("/register", json={"username": "mallory", "password": "long enough"})
        for _ in range(3):
            bad = client.post("/login", json={"username": "mallory", "password": "guess guess"})
            assert bad.status_code == 401
        blocked = client.post("/login", json={"username": "MALLORY", "password": "long enough"})
        assert blocked.status_code == 429
        assert int(blocked.headers["Retry-After"]) >= 1
        assert blocked.json()["error"]["code"] == "rate_limited"


def test_profile_timezone_update(client: TestClient, auth: dict[str, str]) -> None:
    response = client.patch("/me", headers=auth, json={"timezone": "Europe/Berlin"})
    assert response.status_code == 200
    assert response.json()["timezone"] == "Europe/Berlin"
    bad = client.patch("/me", headers=auth, json={"timezone": "Nowhere/Special"})
    assert bad.status_code == 422
    assert client.get("/me", headers=auth).json()["timezone"] == "Europe/Berlin"

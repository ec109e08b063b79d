"""Failed-login and password-change limits (issue #10, point 2), through real uvicorn servers.

An attempt is reserved in the store before its password is hashed, so a parallel burst cannot
get more than the limit evaluated, and two processes on one database share the count. Limits
are per username + address and per address (no global per-username lock-out), and forwarded
headers are only believed from configured proxies.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.live import LiveServer

PASSWORD = "correct horse battery"
LIMIT = 5


@contextmanager
def running(env: dict[str, str], log: Path) -> Iterator[LiveServer]:
    server = LiveServer(env, log).start()
    try:
        yield server
    finally:
        server.stop()


def _client(url: str, local_address: str | None = None) -> httpx.Client:
    transport = httpx.HTTPTransport(
        local_address=local_address, limits=httpx.Limits(max_connections=200)
    )
    return httpx.Client(base_url=url, timeout=60, transport=transport)


def _register(url: str, username: str) -> str:
    with _client(url) as http:
        response = http.post("/register", json={"username": username, "password": PASSWORD})
    assert response.status_code == 201, response.text
    return str(response.json()["access_token"])


def _login(http: httpx.Client, username: str, password: str, **headers: str) -> httpx.Response:
    return http.post(
        "/login", json={"username": username, "password": password}, headers=headers or None
    )


def _assert_rate_limited(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    body = response.json()["error"]
    assert body["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) >= 1
    assert body["details"]["retry_after"] == int(response.headers["Retry-After"])


def _burst(urls: list[str], username: str, count: int) -> tuple[Counter[int], httpx.Response]:
    """`count` parallel wrong passwords spread over `urls`; once the first 429 is back, the
    right password from the same address. Returns the wrong tries' codes and that answer."""
    first_refusal = threading.Event()
    clients = [_client(url) for url in urls]
    try:

        def wrong(i: int) -> int:
            response = _login(clients[i % len(clients)], username, f"wrong guess {i}")
            if response.status_code == 429:
                first_refusal.set()
            return response.status_code

        def right() -> httpx.Response:
            first_refusal.wait(timeout=60)
            return _login(clients[-1], username, PASSWORD)

        with ThreadPoolExecutor(max_workers=count + 1) as pool:
            wrongs = [pool.submit(wrong, i) for i in range(count)]
            correct = pool.submit(right)
            codes = Counter(f.result() for f in wrongs)
            return codes, correct.result()
    finally:
        for http in clients:
            http.close()


def test_parallel_wrong_passwords_evaluate_at_most_the_limit(
    live_server_env: dict[str, str], tmp_path: Path
) -> None:
    with running(live_server_env, tmp_path / "server.log") as server:
        _register(server.url, "victim")
        codes, correct = _burst([server.url], "victim", 120)
        print(f"120 parallel wrong passwords: {dict(codes)}; right password: {correct.status_code}")
        # 503 busy: turned away before its password was checked (the hashing slots were full)
        assert set(codes) <= {401, 429, 503}, codes
        assert 1 <= codes[401] <= LIMIT, codes
        _assert_rate_limited(correct)  # the burst's address must wait, even with the password


def test_two_processes_on_one_database_share_the_limit(
    live_server_env: dict[str, str], tmp_path: Path
) -> None:
    with running(live_server_env, tmp_path / "one.log") as one:
        _register(one.url, "victim")
        with running(live_server_env, tmp_path / "two.log") as two:
            codes, correct = _burst([one.url, two.url], "victim", 120)
    print(f"two processes, 120 parallel wrong passwords: {dict(codes)}; right: {correct}")
    assert set(codes) <= {401, 429, 503}, codes
    assert 1 <= codes[401] <= LIMIT, codes
    _assert_rate_limited(correct)


def test_attackers_failures_do_not_lock_out_the_user_elsewhere(
    live_server_env: dict[str, str], tmp_path: Path
) -> None:
    with running(live_server_env, tmp_path / "server.log") as server:
        _register(server.url, "alice")
        with _client(server.url, "127.0.0.1") as attacker:
            codes = Counter(
                _login(attacker, "alice", f"guess {i}").status_code for i in range(LIMIT + 2)
            )
            assert codes == {401: LIMIT, 429: 2}, codes
            with _client(server.url, "127.0.0.2") as user:
                response = _login(user, "alice", PASSWORD)
                assert response.status_code == 200, response.text
            # The attacker's address stays limited after the user's success elsewhere.
            _assert_rate_limited(_login(attacker, "alice", "one more"))


def test_rotated_forwarded_for_does_not_reset_the_address_limit(
    live_server_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**live_server_env, "BEHFLOW_LOGIN_MAX_FAILURES_PER_ADDRESS": str(LIMIT)}
    # Different usernames and a different X-Forwarded-For on every try: by default the header
    # is not believed, so every try counts against the one real address.
    with running(env, tmp_path / "server.log") as server, _client(server.url) as http:
        codes = [
            _login(http, f"nobody{i}", "guess", **{"X-Forwarded-For": f"203.0.113.{i}"})
            for i in range(LIMIT + 3)
        ]
        assert [r.status_code for r in codes] == [401] * LIMIT + [429] * 3
        _assert_rate_limited(codes[-1])
    # Behind a configured proxy the forwarded address is the client's own.
    proxied = {**env, "BEHFLOW_FORWARDED_ALLOW_IPS": "127.0.0.1"}
    with running(proxied, tmp_path / "proxied.log") as server, _client(server.url) as http:
        codes = [
            _login(http, f"nobody{i}", "guess", **{"X-Forwarded-For": f"198.51.100.{i}"})
            for i in range(LIMIT + 1)
        ]
        assert [r.status_code for r in codes] == [401] * (LIMIT + 1)


def test_wrong_current_passwords_are_throttled(
    live_server_env: dict[str, str], tmp_path: Path
) -> None:
    with running(live_server_env, tmp_path / "server.log") as server:
        token = _register(server.url, "bob")
        with _client(server.url) as http:
            headers = {"Authorization": f"Bearer {token}"}

            def change(current: str) -> httpx.Response:
                return http.post(
                    "/me/password",
                    json={"current_password": current, "new_password": "another horse staple"},
                    headers=headers,
                )

            answers = [change(f"wrong {i}") for i in range(LIMIT + 2)]
            assert [r.status_code for r in answers] == [422] * LIMIT + [429] * 2
            _assert_rate_limited(answers[-1])
            # Even the right current password waits now, so guessing cannot go on.
            _assert_rate_limited(change(PASSWORD))

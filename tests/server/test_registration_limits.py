"""Registration and password hashing under load (issue 10, point 3).

A burst of registrations must not run more than BEHFLOW_PASSWORD_HASH_CONCURRENCY Argon2
hashes at once (each takes 64 MiB), must keep a real server's resident memory bounded, and
is limited per client address; BEHFLOW_REGISTRATION=open|closed|invite decides who may
register at all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from behflow_server.auth import security
from behflow_server.config import Settings
from behflow_server.main import create_app
from tests.conftest import TEST_SECRET
from tests.support.live import LiveServer

MIB = 1024 * 1024
ARGON2_MIB = 64  # pwdlib's recommended Argon2 parameters: memory_cost=65536 KiB


def _settings(settings: Settings, **changes: Any) -> Settings:
    return Settings(**{**settings.model_dump(), **changes})


@contextmanager
def _client(settings: Settings, **changes: Any) -> Iterator[TestClient]:
    with TestClient(create_app(_settings(settings, **changes))) as client:
        yield client


def _body(name: str, **extra: Any) -> dict[str, Any]:
    return {"username": name, "password": "correct horse", **extra}


class CountingHasher:
    """Wraps the real Argon2 hasher and records how many hashes or checks overlap."""

    def __init__(self, real: Any, hold: float = 0.05) -> None:
        self.real = real
        self.hold = hold
        self.active = 0
        self.peak = 0
        self.calls = 0
        self._lock = threading.Lock()

    def _enter(self) -> None:
        with self._lock:
            self.active += 1
            self.calls += 1
            self.peak = max(self.peak, self.active)

    def _exit(self) -> None:
        with self._lock:
            self.active -= 1

    def hash(self, password: str) -> str:
        self._enter()
        try:
            time.sleep(self.hold)  # widen the window in which overlapping calls would show
            return str(self.real.hash(password))
        finally:
            self._exit()

    def verify(self, password: str, password_hash: str) -> bool:
        self._enter()
        try:
            time.sleep(self.hold)
            return bool(self.real.verify(password, password_hash))
        finally:
            self._exit()


def test_a_burst_of_registrations_never_runs_more_hashes_at_once_than_the_limit(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = CountingHasher(security._hasher)
    monkeypatch.setattr(security, "_hasher", counter)
    with _client(
        settings,
        password_hash_concurrency=2,
        password_hash_wait_seconds=60,
        registration_max_per_address=1000,
    ) as client:
        with ThreadPoolExecutor(max_workers=24) as pool:
            responses = list(
                pool.map(lambda i: client.post("/register", json=_body(f"burst{i}")), range(24))
            )
        registered = [f"burst{i}" for i, r in enumerate(responses) if r.status_code == 201]
        # Logins check passwords through the same gate.
        with ThreadPoolExecutor(max_workers=8) as pool:
            logins = list(
                pool.map(lambda name: client.post("/login", json=_body(name)), registered[:8])
            )
    # Past 2 running and 16 waiting, a request is answered 503 busy rather than queued.
    assert {r.status_code for r in responses} <= {201, 503}, [r.text for r in responses]
    assert len(registered) >= 18
    assert [r.status_code for r in logins] == [200] * len(logins)
    assert counter.calls >= len(registered) + len(logins)
    assert counter.peak <= 2, f"{counter.peak} password hashes ran at once"


def test_past_the_wait_a_registration_is_answered_503_busy_with_retry_after(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    started = threading.Event()
    real = security._hasher

    class BlockingHasher:
        def hash(self, password: str) -> str:
            started.set()
            release.wait(timeout=15)
            return str(real.hash(password))

        def verify(self, password: str, password_hash: str) -> bool:
            return bool(real.verify(password, password_hash))

    monkeypatch.setattr(security, "_hasher", BlockingHasher())
    with _client(settings, password_hash_concurrency=1, password_hash_wait_seconds=0.2) as client:
        with ThreadPoolExecutor(max_workers=1) as pool:
            first = pool.submit(client.post, "/register", json=_body("first"))
            assert started.wait(timeout=10)
            try:
                second = client.post("/register", json=_body("second"))
            finally:
                release.set()
            assert first.result().status_code == 201
        # The refused attempt did not use up the address's registrations, and it can retry.
        retried = client.post("/register", json=_body("second"))
    assert second.status_code == 503, second.text
    assert second.headers["Retry-After"] == "1"
    assert second.json()["error"]["code"] == "busy"
    assert retried.status_code == 201


def test_registrations_past_the_per_address_limit_are_answered_429(settings: Settings) -> None:
    with _client(settings, registration_max_per_address=3) as client:
        statuses = [client.post("/register", json=_body(f"mass{i}")).status_code for i in range(3)]
        refused = client.post("/register", json=_body("mass4"))
    assert statuses == [201, 201, 201]
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.json()["error"]["code"] == "rate_limited"


def test_closed_registration_is_refused_with_403(settings: Settings) -> None:
    with _client(settings, registration="closed") as client:
        response = client.post("/register", json=_body("stranger"))
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "registration_closed"
    assert "operator" in error["message"]


def test_registration_defaults_to_closed_when_the_server_binds_beyond_loopback(
    settings: Settings,
) -> None:
    with _client(settings, host="0.0.0.0", registration=None) as client:
        public = client.post("/register", json=_body("stranger"))
    with _client(settings, host="127.0.0.1", registration=None) as client:
        local = client.post("/register", json=_body("me"))
    assert public.status_code == 403
    assert public.json()["error"]["code"] == "registration_closed"
    assert local.status_code == 201


def test_invite_registration_needs_a_listed_code(settings: Settings) -> None:
    with _client(
        settings, registration="invite", registration_invite_codes=["alpha-1", "beta-2"]
    ) as client:
        missing = client.post("/register", json=_body("guest"))
        wrong = client.post("/register", json=_body("guest", invite_code="gamma-3"))
        right = client.post("/register", json=_body("guest", invite_code="beta-2"))
    assert missing.status_code == 403
    assert missing.json()["error"]["code"] == "invite_required"
    assert wrong.status_code == 403
    assert wrong.json()["error"]["code"] == "invite_invalid"
    assert right.status_code == 201


def _rss_bytes(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field} in /proc/{pid}/status")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_a_real_server_keeps_resident_memory_bounded_during_a_registration_burst(
    tmp_path: Path,
) -> None:
    burst = 60
    env = {
        "BEHFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'behflow.db'}",
        "BEHFLOW_DATA_DIR": str(tmp_path),
        "BEHFLOW_SECRET_KEY": TEST_SECRET,
        "BEHFLOW_SCHEDULER_ENABLED": "false",
        "BEHFLOW_LOG_LEVEL": "warning",
        "BEHFLOW_PASSWORD_HASH_CONCURRENCY": "2",
        "BEHFLOW_PASSWORD_HASH_WAIT_SECONDS": "60",
        "BEHFLOW_REGISTRATION_MAX_PER_ADDRESS": "1000",
    }
    server = LiveServer(env, tmp_path / "server.log").start()
    try:
        assert server.process is not None
        pid = server.process.pid
        warm = httpx.post(f"{server.url}/register", json=_body("warmup"), timeout=30)
        assert warm.status_code == 201
        before = _rss_bytes(pid, "VmRSS")
        peak = before
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _rss_bytes(pid, "VmRSS"))
                time.sleep(0.005)

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            with ThreadPoolExecutor(max_workers=burst) as pool:
                responses = list(
                    pool.map(
                        lambda i: httpx.post(
                            f"{server.url}/register", json=_body(f"rss{i}"), timeout=120
                        ),
                        range(burst),
                    )
                )
        finally:
            done.set()
            sampler.join()
        peak = max(peak, _rss_bytes(pid, "VmHWM"))
    finally:
        server.stop()
    statuses = sorted({r.status_code for r in responses})
    assert set(statuses) <= {201, 503}, [r.text for r in responses if r.status_code >= 400]
    assert any(r.status_code == 201 for r in responses)
    growth = peak - before
    print(
        f"RSS before {before / MIB:.0f} MiB, peak {peak / MIB:.0f} MiB, growth {growth / MIB:.0f}"
    )
    # Unbounded, 60 concurrent hashes (40 worker threads) would add up to 60 x 64 MiB.
    assert growth < 10 * ARGON2_MIB * MIB, f"resident memory grew by {growth / MIB:.0f} MiB"


def test_with_registration_closed_the_operator_creates_accounts_with_the_admin_command(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from behflow_server.auth import admin

    monkeypatch.setenv("BEHFLOW_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse\n"))
    assert admin.main(["create-user", "opal", "--timezone", "Europe/Berlin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse\n"))
    assert admin.main(["create-user", "opal"]) == 1  # taken
    with _client(settings, registration="closed") as client:
        refused = client.post("/register", json=_body("opal2"))
        login = client.post("/login", json=_body("opal"))
    assert refused.status_code == 403
    assert login.status_code == 200, login.text

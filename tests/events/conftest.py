from __future__ import annotations

import pytest


@pytest.fixture
def live_server_env(live_server_env: dict[str, str]) -> dict[str, str]:
    # Short heartbeats so idle streams show them (and revocation is noticed) within the test.
    return {**live_server_env, "BEHFLOW_EVENTS_HEARTBEAT_SECONDS": "0.3"}

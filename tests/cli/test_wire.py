"""behflow_cli/wire.py: the query string it builds matches what httpx sends."""

from __future__ import annotations

import httpx
import pytest

from behflow_cli.wire import Wire, query_string


@pytest.mark.parametrize(
    "params",
    [
        {"status": ["open", "blocked"], "limit": 50},
        {"search": "milk & eggs/100%", "tag": ["a b", "ü"]},
        {"hard": "true", "offset": 0},
    ],
)
def test_query_string_matches_httpx(params: dict[str, object]) -> None:
    expected = httpx.Request("GET", "http://x/", params=params).url.query.decode()
    assert query_string(params).replace("%20", "+") == expected.replace("%20", "+")


def test_only_plain_http_urls() -> None:
    with pytest.raises(ValueError, match="http://"):
        Wire("https://example.com", 1.0)

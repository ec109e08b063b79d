"""The page's files: served with the security headers, and nothing else under /static."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_page_and_assets_carry_the_policy(client: TestClient) -> None:
    for path, kind in (
        ("/", "text/html"),
        ("/static/app.js", "text/javascript"),
        ("/static/styles.css", "text/css"),
    ):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(kind)
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"


def test_only_the_pages_own_files_are_served(client: TestClient) -> None:
    for path in (
        "/static/routes.py",
        "/static/../config.py",
        "/static/%2e%2e%2fconfig.py",
        "/static/index.html.bak",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"


def test_page_scripts_never_build_html_from_strings() -> None:
    from behflow_server.web.routes import WEB_DIR

    script = (WEB_DIR / "app.js").read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script, sink
    assert "<script" not in (WEB_DIR / "index.html").read_text().split("</head>")[1]

"""/docs works offline: Swagger UI comes from this server, under a CSP allowing only 'self' for
scripts (issue #10.9; it used to load a floating CDN script without SRI)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.support.live import LiveServer
from tests.web.browser import CHROMEDRIVER, chromium_options, require_browser


def test_docs_reference_only_same_origin_assets_and_they_are_served(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    csp = dict(
        part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";")
    )
    assert csp["script-src"] == "'self'"
    assert csp["default-src"] == "'none'"
    assert "unsafe-inline" not in csp["style-src-elem"]
    # No inline script: every <script> has a src, and there is nothing between its tags.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page.text) == []
    assert re.findall(r"<script[^>]*>\s*[^<\s]", page.text) == []
    references = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert len(references) == 4, references
    expected_types = {
        ".js": "text/javascript",
        ".css": "text/css",
        ".png": "image/png",
    }
    for reference in references:
        absolute = urljoin("http://testserver/docs", reference)
        assert urlsplit(absolute).netloc == "testserver", reference  # same origin
        asset = client.get(reference)
        assert asset.status_code == 200, reference
        suffix = Path(urlsplit(reference).path).suffix
        assert asset.headers["content-type"].startswith(expected_types[suffix]), reference
        assert asset.headers["x-content-type-options"] == "nosniff"
    assert "SwaggerUIBundle" in client.get("/docs/assets/swagger-ui-bundle.js").text
    assert client.get("/docs/assets/..%2Fdocs.py").status_code == 404
    assert client.get("/docs/assets/redoc.standalone.js").status_code == 404
    assert client.get("/openapi.json").status_code == 200
    # FastAPI's CDN pages are gone, not merely hidden.
    assert client.get("/redoc").status_code == 404
    assert client.get("/docs/oauth2-redirect").status_code == 404


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[object]:
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = chromium_options(
        (1280, 900),
        tmp_path / "chromium-profile",
        # No network beyond this machine: every other host name fails to resolve.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def test_docs_render_the_operations_with_no_network(
    live_server: LiveServer, api: httpx.Client, chromium: object
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver = chromium
    driver.get(f"{live_server.url}/docs")  # type: ignore[attr-defined]
    operations = WebDriverWait(driver, 30).until(
        lambda d: (
            len(found := d.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")) > 20 and found
        )
    )
    paths = {element.get_attribute("data-path") for element in operations}
    assert {"/api/v1/tasks", "/login", "/api/v1/events"} <= paths
    # The Authorize button (password flow against /login) is there.
    assert driver.find_elements(By.CSS_SELECTOR, ".btn.authorize")  # type: ignore[attr-defined]
    requested = []
    for entry in driver.get_log("performance"):  # type: ignore[attr-defined]
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requested.append(message["params"]["request"]["url"])
    origin = live_server.url
    # (chrome:// and about: are the browser's own start page, before the navigation.)
    own = (origin, "data:", "chrome:", "about:")
    foreign = [url for url in requested if not url.startswith(own)]
    assert any(url.endswith("/docs/assets/swagger-ui-bundle.js") for url in requested)
    assert requested and foreign == [], foreign
    problems = [
        entry["message"]
        for entry in driver.get_log("browser")  # type: ignore[attr-defined]
        if entry["level"] == "SEVERE" or "Content Security Policy" in entry["message"]
    ]
    assert problems == []

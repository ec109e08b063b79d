"""The page's files: served with the security headers, and nothing else under /static."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_page_and_assets_carry_the_policy(client: TestClient) -> None:
    from behflow_server.web.routes import WEB_DIR

    modules = sorted(p.name for p in WEB_DIR.glob("*.js"))
    assert {"api.js", "events.js", "tasks.js", "chat.js", "theme.js", "main.js"} <= set(modules)
    for path, kind in (
        ("/", "text/html"),
        ("/static/styles.css", "text/css"),
        *((f"/static/{name}", "text/javascript") for name in modules),
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

    for module in WEB_DIR.glob("*.js"):
        script = module.read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in script, (module.name, sink)
        # Type-checked by editors and tsc --checkJs: each module opts in on its first line.
        assert script.startswith("// @ts-check\n"), module.name
    page = (WEB_DIR / "index.html").read_text()
    assert "<script" not in page.split("</head>")[1]
    assert '<script type="module" src="/static/main.js"></script>' in page


def test_every_module_the_page_imports_is_served(client: TestClient) -> None:
    """A module imported but not served would break the page with only a console error."""
    import re

    from behflow_server.web.routes import WEB_DIR

    seen, todo = set(), ["main.js"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        response = client.get(f"/static/{name}")
        assert response.status_code == 200, name
        todo += re.findall(r'^import .* from "\./([\w-]+\.js)";$', response.text, re.M)
    # Every module on disk is in use (types.js holds JSDoc types only, imported by comments).
    assert seen | {"types.js"} == {p.name for p in WEB_DIR.glob("*.js")}


def test_the_documented_shortcuts_are_the_pages() -> None:
    """docs/web.md's table and the `?` overlay come from the same list: shortcuts.js."""
    import re

    from behflow_server.web.routes import WEB_DIR

    source = (WEB_DIR / "shortcuts.js").read_text()
    names = {"ArrowDown": "↓", "ArrowUp": "↑", "Escape": "Esc"}
    in_code = [
        (" or ".join(f"`{names.get(k, k)}`" for k in re.findall(r'"([^"]+)"', keys)), label)
        for keys, label in re.findall(r'\{ keys: \[([^\]]*)\], label: "([^"]+)"', source)
    ]
    assert len(in_code) >= 15
    docs = (WEB_DIR.parents[1] / "docs" / "web.md").read_text()
    in_docs = re.findall(r"^\| (`.+?`(?: or `.+?`)*) \| (.+?) \|$", docs, re.M)
    assert in_docs == in_code

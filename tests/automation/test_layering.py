"""Issue #12.3: auth knows nothing of the domains that hook into registration, and the process
engine does not reach back into process CRUD (read from the source, lazy imports included)."""

from __future__ import annotations

import ast
from pathlib import Path

import behflow_server

ROOT = Path(behflow_server.__file__).parent


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_auth_imports_no_process_or_webhook_module() -> None:
    # auth/admin.py is an entry point (python -m ...), like create_app: it may load domains.
    offenders = {
        f"{path.name} -> {name}"
        for path in (ROOT / "auth").glob("*.py")
        if path.name != "admin.py"
        for name in _imports(path)
        if name.startswith(("behflow_server.processes", "behflow_server.webhooks"))
    }
    assert not offenders


def test_the_engine_does_not_import_process_crud() -> None:
    names = _imports(ROOT / "processes" / "engine.py")
    assert not {n for n in names if n.startswith("behflow_server.processes.service")}
    assert not {n for n in names if n == "behflow_server.processes.service"}
    assert "behflow_server.claims.compare_and_set" in names
    delivery = _imports(ROOT / "webhooks" / "delivery.py")
    assert "behflow_server.claims.compare_and_set" in delivery

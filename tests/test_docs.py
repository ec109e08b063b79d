"""Docs stay true: every server setting is documented."""

from pathlib import Path

from behflow_server.config import Settings

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_every_setting_is_documented() -> None:
    text = (DOCS / "configuration.md").read_text()
    missing = [
        f"BEHFLOW_{name.upper()}"
        for name in Settings.model_fields
        if f"`BEHFLOW_{name.upper()}`" not in text
    ]
    assert missing == [], f"document these in docs/configuration.md: {missing}"

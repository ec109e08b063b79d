"""The TUI's remembered choices, kept in the CLI's config file (config dir, config.json)."""

from __future__ import annotations

from behflow_cli import config

THEMES = {"dark": "atom-one-dark", "light": "atom-one-light"}
DEFAULT_THEME = "dark"
KEY = "tui_theme"


def load_theme() -> str:
    value = config.load().get(KEY)
    return value if value in THEMES else DEFAULT_THEME


def save_theme(name: str) -> None:
    if name not in THEMES:
        raise ValueError(f"unknown theme {name!r}")
    config.update(**{KEY: name})

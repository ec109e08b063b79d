"""Where the CLI keeps its files and which server it talks to.

Environment variables win over everything: BEHFLOW_URL, BEHFLOW_TOKEN, BEHFLOW_CONFIG_DIR,
BEHFLOW_STATE_DIR. The server's own BEHFLOW_PORT moves the default local URL along with it, so
`behflow` finds (and autostarts) a local server started with the same environment.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

APP_NAME = "behflow"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
CONFIG_FILE = "config.json"


def _dir(env: str, kind: str) -> Path:
    value = os.environ.get(env, "").strip()
    if value:
        return Path(value).expanduser()
    import platformdirs

    finder = platformdirs.user_config_dir if kind == "config" else platformdirs.user_state_dir
    return Path(finder(APP_NAME, appauthor=False))


def config_dir() -> Path:
    return _dir("BEHFLOW_CONFIG_DIR", "config")


def state_dir() -> Path:
    return _dir("BEHFLOW_STATE_DIR", "state")


def default_port() -> int:
    raw = os.environ.get("BEHFLOW_PORT", "").strip()
    if raw.isdigit() and 0 < int(raw) < 65536:
        return int(raw)
    return DEFAULT_PORT


def default_url() -> str:
    return f"http://{DEFAULT_HOST}:{default_port()}"


def normalize_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if "://" not in url:
        url = "http://" + url
    return url


def load() -> dict[str, Any]:
    try:
        data = json.loads((config_dir() / CONFIG_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save(data: dict[str, Any]) -> None:
    directory = config_dir()
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / (CONFIG_FILE + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    tmp.replace(directory / CONFIG_FILE)


def update(**changes: Any) -> dict[str, Any]:
    data = load()
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    save(data)
    return data


def server_url(config: dict[str, Any] | None = None) -> str:
    """BEHFLOW_URL, else the URL saved by `behflow login --url`, else the default local one."""
    env = os.environ.get("BEHFLOW_URL", "").strip()
    if env:
        return normalize_url(env)
    saved = (config if config is not None else load()).get("url")
    return normalize_url(saved) if isinstance(saved, str) and saved else default_url()


def is_default_url(url: str) -> bool:
    return normalize_url(url) in {default_url(), f"http://localhost:{default_port()}"}


def env_token() -> str | None:
    return os.environ.get("BEHFLOW_TOKEN", "").strip() or None


def account_for(url: str, config: dict[str, Any] | None = None) -> str | None:
    """The user last logged in on this server (tokens are stored per server URL and user)."""
    accounts = (config if config is not None else load()).get("accounts", {})
    name = accounts.get(normalize_url(url)) if isinstance(accounts, dict) else None
    return name if isinstance(name, str) else None


def remember_account(url: str, username: str | None) -> None:
    data = load()
    stored = data.get("accounts")
    accounts: dict[str, Any] = stored if isinstance(stored, dict) else {}
    if username is None:
        accounts.pop(normalize_url(url), None)
    else:
        accounts[normalize_url(url)] = username
    data["accounts"] = accounts
    save(data)

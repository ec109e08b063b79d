"""Access tokens: in the OS keyring, keyed by server URL and user; a 0600 file when there is none.

Once the keyring has been found missing, reads go straight to the file: importing `keyring`
costs ~60 ms, which every command would otherwise pay.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from behflow_cli import config

TOKENS_FILE = "tokens.json"
FILE_STORE = "file"
KEYRING_STORE = "keyring"


def _service(url: str) -> str:
    return f"behflow:{config.normalize_url(url)}"


def tokens_path() -> Path:
    return config.config_dir() / TOKENS_FILE


def _read_file() -> dict[str, dict[str, str]]:
    try:
        data = json.loads(tokens_path().read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_file(data: dict[str, dict[str, str]]) -> None:
    path = tokens_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
    os.chmod(path, 0o600)  # an older file may have been created with wider rights


def _keyring() -> Any | None:
    """The keyring module when a usable backend exists, else None."""
    try:
        import keyring
        from keyring.backends.fail import Keyring as FailKeyring
    except ImportError:
        return None
    try:
        if isinstance(keyring.get_keyring(), FailKeyring):
            return None
    except Exception:  # a broken backend configuration is the same as none
        return None
    return keyring


def load_token(url: str, username: str) -> str | None:
    settings = config.load()
    if settings.get("token_store") != FILE_STORE:
        ring = _keyring()
        if ring is not None:
            try:
                token = ring.get_password(_service(url), username)
            except Exception:  # locked or unreachable keyring: fall back to the file
                token = None
            if token:
                return str(token)
    return _read_file().get(config.normalize_url(url), {}).get(username)


def store_token(url: str, username: str, token: str) -> str:
    """Save the token; returns where it went ("keyring" or "file")."""
    key = config.normalize_url(url)
    ring = _keyring()
    if ring is not None:
        try:
            ring.set_password(_service(url), username, token)
        except Exception:
            ring = None
        else:
            _forget_in_file(key, username)
            config.update(token_store=KEYRING_STORE)
            return KEYRING_STORE
    data = _read_file()
    data.setdefault(key, {})[username] = token
    _write_file(data)
    settings = config.load()
    if not settings.get("token_file_notice"):
        print(
            f"note: no system keyring found; your token is kept in {tokens_path()} "
            "(readable only by you).",
            file=sys.stderr,
        )
    config.update(token_store=FILE_STORE, token_file_notice=True)
    return FILE_STORE


def _forget_in_file(key: str, username: str) -> None:
    data = _read_file()
    if username in data.get(key, {}):
        del data[key][username]
        if not data[key]:
            del data[key]
        _write_file(data)


def delete_token(url: str, username: str) -> None:
    if config.load().get("token_store") != FILE_STORE:
        ring = _keyring()
        if ring is not None:
            with contextlib.suppress(Exception):  # nothing stored there
                ring.delete_password(_service(url), username)
    _forget_in_file(config.normalize_url(url), username)

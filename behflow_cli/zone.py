"""This computer's IANA time zone name, which the CLI sends as X-Timezone."""

from __future__ import annotations

import json
import os

from behflow_cli import config

TIMEZONE_CACHE = "timezone.json"


def _zone_key() -> str:
    parts = [os.environ.get("TZ", "")]
    for path in ("/etc/localtime", "/etc/timezone"):
        try:
            stat = os.lstat(path)
            target = os.readlink(path) if os.path.islink(path) else ""
            parts.append(f"{path}:{stat.st_mtime_ns}:{target}")
        except OSError:
            parts.append(f"{path}:-")
    return "|".join(parts)


def local_timezone() -> str | None:
    """The local IANA zone name (tzlocal), cached: tzlocal's import costs ~25 ms a call."""
    key = _zone_key()
    cache = config.state_dir() / TIMEZONE_CACHE
    try:
        cached = json.loads(cache.read_text())
        if cached.get("key") == key:
            return cached.get("zone") or None
    except (OSError, ValueError, AttributeError):
        pass
    try:
        from tzlocal import get_localzone_name

        zone = get_localzone_name()
    except Exception:  # no zone configured at all: the server uses the account's zone
        zone = None
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({"key": key, "zone": zone}))
    except OSError:
        pass
    return zone

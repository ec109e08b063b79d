"""IANA time zone names: validation and lookup."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from behflow_server.errors import InvalidInput

# What ZoneInfo raises for a name that is no zone: a directory of the zone database ("US",
# "America") is an IsADirectoryError, another unreadable path an OSError.
_NOT_A_ZONE = (ZoneInfoNotFoundError, ValueError, OSError)


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def get_zone(name: str | None) -> ZoneInfo:
    """The zone called `name`, or UTC when the name is empty or unknown."""
    if not name:
        return _zone("UTC")
    try:
        return _zone(name)
    except _NOT_A_ZONE:
        return _zone("UTC")


def is_known_timezone(name: str) -> bool:
    try:
        _zone(name)
    except _NOT_A_ZONE:
        return False
    return True


def check_timezone(name: str) -> str:
    try:
        _zone(name)
    except _NOT_A_ZONE:
        raise InvalidInput(
            f"Unknown time zone {name!r}; use an IANA name such as 'Europe/Berlin'.",
            code="invalid_timezone",
            details={"field": "timezone"},
        ) from None
    return name

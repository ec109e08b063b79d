"""Recurrence rules (RFC 5545 RRULE text)."""

from __future__ import annotations

from dateutil.rrule import rrulestr

from behflow_server.errors import InvalidInput


def validate_rule(rule: str) -> str:
    """The rule in canonical form (no 'RRULE:' prefix, upper case); raises InvalidInput if bad."""
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    text = text.upper()
    try:
        rrulestr(text)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(
            f"Not a valid recurrence rule: {exc}",
            code="invalid_recurrence",
            details={"field": "recurrence"},
        ) from None
    if "FREQ=" not in text:
        raise InvalidInput(
            "A recurrence rule needs FREQ, e.g. FREQ=WEEKLY;BYDAY=MO.",
            code="invalid_recurrence",
            details={"field": "recurrence"},
        )
    return text

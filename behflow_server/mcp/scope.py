"""Where the HTTP transport leaves the authenticated caller for the MCP handlers: two keys of the
ASGI scope (a module of its own, so the handlers need not import the transport, nor it them)."""

from __future__ import annotations

USER_KEY = "behflow.user_id"
ZONE_KEY = "behflow.zone"

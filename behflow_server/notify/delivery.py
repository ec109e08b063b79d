"""Sending one notification through Apprise under the outbound policy.

Apprise makes its own requests (HTTP through `requests`, SMTP through `smtplib`), so Behflow
cannot pin the address as `outbound.send` does for webhooks. Instead every name Apprise
resolves while it sends for us goes through `OutboundPolicy.check` (the function webhooks
use): `socket.getaddrinfo` is wrapped once, and on a thread that is sending a notification
each address it returns is checked before the library may connect to it. The connection then
uses exactly the addresses that were checked, so a DNS answer that changes between a check
and the connection (rebinding) cannot slip through on this path. The limit: a library that
resolved names another way (its own resolver, a proxy from the environment, which is then
the address checked) would bypass the wrapper; Apprise's HTTP and SMTP plugins do not.

Apprise is synchronous and may block for its timeouts: callers run it on a worker thread
(the reminder job's, or FastAPI's thread pool for a test), never on the event loop.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from behflow_server import metrics, outbound
from behflow_server.config import Settings

log = logging.getLogger("behflow.notify")
_local = threading.local()
_real_getaddrinfo = socket.getaddrinfo
MAX_ERROR = 300


class PolicyRefused(socket.gaierror):
    """Raised inside Apprise's connection attempt: the address is not allowed."""


def _port(port: Any) -> int:
    """getaddrinfo's port argument (None, a number, "443" or "https") as a number."""
    try:
        return int(port)
    except (TypeError, ValueError):
        pass
    try:
        return socket.getservbyname(str(port)) if port else 0
    except OSError:
        return 0


def _guarded_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
    infos = _real_getaddrinfo(host, port, *args, **kwargs)
    policy: outbound.OutboundPolicy | None = getattr(_local, "policy", None)
    if policy is None:
        return infos
    name = host.decode() if isinstance(host, bytes) else str(host)
    try:
        literal = outbound.parse_host(name)
    except outbound.InvalidAddress:
        literal = None
    number = _port(port)
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        verdict = policy.check(address, number, None if literal is not None else name)
        if verdict != "allowed":
            shown = str(address) if literal is not None else f"{name} ({address})"
            _local.refused = f"{shown} is not allowed by the outbound policy"
            raise PolicyRefused(socket.EAI_FAIL, _local.refused)
    return infos


def _install_guard() -> None:
    if socket.getaddrinfo is not _guarded_getaddrinfo:
        socket.getaddrinfo = _guarded_getaddrinfo


_install_guard()


class _ThreadMessages(logging.Handler):
    """Apprise's warnings logged by this thread: the only account it gives of a failure."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.messages.append(record.getMessage())


@dataclass(frozen=True)
class Outcome:
    kind: Literal["delivered", "failed", "refused"]
    error: str | None = None


def parse(url: str) -> Any | None:
    """The Apprise plugin for `url`, or None when Apprise knows no such service/URL."""
    import apprise  # ~80 ms: loaded on the first target added or reminder sent, not at start

    try:
        return apprise.Apprise.instantiate(url.strip())
    except Exception:  # a plugin's parser failing on odd input is still "not a valid URL"
        return None


_SENSITIVE = ("token", "key", "secret", "pass", "pwd", "auth", "sig", "cred")


def _query(query: str) -> list[tuple[str, str]]:
    # By hand rather than parse_qsl: Apprise's `+Header` keys must keep their plus sign.
    pairs = []
    for piece in query.split("&"):
        if piece:
            key, _, value = piece.partition("=")
            pairs.append((unquote(key), unquote(value)))
    return pairs


def mask(url: str) -> str:
    """The URL for showing back to the user: Apprise masks passwords and tokens
    (`url(privacy=True)`); the query keeps only what the user wrote, with the values of
    custom headers and parameters (`+X-Api-Key=...`, `-token=...`) and of anything named
    like a credential masked too (Apprise shows those in clear)."""
    plugin = parse(url)
    if plugin is None:
        return "(not a valid Apprise URL)"
    shown = urlsplit(str(plugin.url(privacy=True)))
    given = {key.lower() for key, _ in _query(urlsplit(url.strip()).query)}
    kept = []
    for key, value in _query(shown.query):
        if key.lower() not in given:
            continue  # a default Apprise spelled out
        if key[:1] in "+-:" or any(word in key.lower() for word in _SENSITIVE):
            value = "****"
        kept.append(f"{quote(key, safe='+-:')}={quote(value, safe='*@,.:')}")
    return urlunsplit(shown._replace(query="&".join(kept)))


def send(url: str, title: str, body: str, *, settings: Settings) -> Outcome:
    """Send one notification now, on this thread; never raises."""
    outcome = _send(url, title, body, settings=settings)
    metrics.notification_delivery(outcome.kind)
    return outcome


def _send(url: str, title: str, body: str, *, settings: Settings) -> Outcome:
    plugin = parse(url)
    if plugin is None:
        return Outcome("failed", "not a valid Apprise URL")
    plugin.socket_connect_timeout = settings.notify_timeout_seconds
    plugin.socket_read_timeout = settings.notify_timeout_seconds
    messages = _ThreadMessages()
    apprise_log = logging.getLogger("apprise")
    apprise_log.addHandler(messages)
    _local.policy = outbound.OutboundPolicy.from_settings(settings)
    _local.refused = None
    try:
        ok = bool(plugin.notify(body=body, title=title))
    except Exception as exc:  # a plugin bug must not stop the reminder job
        ok = False
        messages.messages.append(f"{type(exc).__name__}: {exc}")
    finally:
        _local.policy = None
        apprise_log.removeHandler(messages)
    refused = getattr(_local, "refused", None)
    if refused:
        return Outcome("refused", refused[:MAX_ERROR])
    if ok:
        return Outcome("delivered")
    error = messages.messages[-1] if messages.messages else "the service did not accept it"
    return Outcome("failed", error[:MAX_ERROR])

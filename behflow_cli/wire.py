"""Plain http:// requests over the standard library's http.client, without httpx.

A CLI call sends one or two small requests to a local server; importing httpx for them costs
~45 ms of a ~100 ms floor (issue #15). BehflowClient.request() uses this for http:// servers
and keeps httpx for https://, for streaming (chat, SSE) and for a caller's own transport.
Idle keep-alive connections are pooled per host, under a lock, because the TUI sends from
several worker threads.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlsplit

_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class Unreachable(OSError):
    """Nothing accepted the connection (refused, no route, or the connect timed out)."""


class ReadTimeout(OSError):
    """The server accepted the request but did not answer in time."""


class WireError(OSError):
    """The connection broke or the answer was not HTTP."""


class Response:
    """The parts of an answer BehflowClient reads (the same names as httpx.Response's)."""

    __slots__ = ("content", "headers", "reason_phrase", "status_code")

    def __init__(
        self, status_code: int, reason_phrase: str, headers: dict[str, str], content: bytes
    ) -> None:
        self.status_code = status_code
        self.reason_phrase = reason_phrase
        self.headers = headers
        self.content = content

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)


def _scalar(value: Any) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)


def query_string(params: Mapping[str, Any]) -> str:
    """`a=1&tag=x&tag=y` (a list repeats its key, like httpx), percent-encoded."""
    parts: list[str] = []
    for key, value in params.items():
        values: Sequence[Any] = value if isinstance(value, (list, tuple)) else (value,)
        for item in values:
            parts.append(f"{quote(str(key), safe='')}={quote(_scalar(item), safe='')}")
    return "&".join(parts)


class Wire:
    """Requests to one http:// base URL over a small pool of keep-alive connections."""

    def __init__(self, base_url: str, timeout: float) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"Wire sends only to http:// URLs, not {base_url!r}")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self.host_header = parts.netloc.rpartition("@")[2]
        self.timeout = timeout
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        target = self.prefix + path
        if params:
            target = f"{target}?{query_string(params)}"
        sent = {"Host": self.host_header, "Accept": "*/*", **(headers or {})}
        body: bytes | None = None
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False, separators=(",", ":")).encode()
            sent["Content-Type"] = "application/json"
        if body is not None or method in ("POST", "PUT", "PATCH"):
            sent["Content-Length"] = str(len(body or b""))
        conn = self._take()
        reused = conn is not None
        while True:
            if conn is None:
                conn = self._connect()
            try:
                conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
                for name, value in sent.items():
                    conn.putheader(name, value)
                conn.endheaders(body)
                response = conn.getresponse()
                content = response.read()
                break
            except _STALE as exc:
                conn.close()
                if not reused:
                    raise WireError(str(exc) or type(exc).__name__) from exc
                conn, reused = None, False  # the server closed an idle connection: retry once
            except TimeoutError as exc:
                conn.close()
                raise ReadTimeout(str(exc) or "timed out") from exc
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                raise WireError(str(exc) or type(exc).__name__) from exc
        if response.will_close:
            conn.close()
        else:
            self._give_back(conn)
        return Response(response.status, response.reason, dict(response.getheaders()), content)

    def _connect(self) -> http.client.HTTPConnection:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.connect()
        except OSError as exc:
            raise Unreachable(str(exc) or type(exc).__name__) from exc
        assert conn.sock is not None
        # A body larger than one segment goes out in a second send(); without this, Nagle's
        # algorithm holds it until the server's delayed ACK (up to 40 ms).
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def _take(self) -> http.client.HTTPConnection | None:
        with self._lock:
            return self._idle.pop() if self._idle else None

    def _give_back(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            self._idle.append(conn)

    def idle_connections(self) -> int:
        with self._lock:
            return len(self._idle)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

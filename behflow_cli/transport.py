"""An httpx transport for plain http:// over the standard library's http.client.

httpx's default transport imports httpcore and h11 and builds a TLS context for every client:
~30 ms a CLI call that a local http:// server never needs. This one keeps idle keep-alive
connections in a small pool and streams response bodies, so httpx features (timeouts,
streaming, content decoding) work as usual. https:// URLs use httpx's own transport.
"""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterator

import httpx

_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class PlainHTTPTransport(httpx.BaseTransport):
    def __init__(self) -> None:
        self._idle: dict[tuple[str, int], list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()

    def _take(self, key: tuple[str, int]) -> http.client.HTTPConnection | None:
        with self._lock:
            pool = self._idle.get(key)
            return pool.pop() if pool else None

    def _give_back(self, key: tuple[str, int], conn: http.client.HTTPConnection) -> None:
        with self._lock:
            self._idle.setdefault(key, []).append(conn)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme != "http":
            raise httpx.UnsupportedProtocol(f"PlainHTTPTransport cannot send {url.scheme}://")
        key = (url.host, url.port or 80)
        timeouts = request.extensions.get("timeout", {})
        body = request.read()
        target = url.raw_path.decode("ascii")
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        conn = self._take(key)
        reused = conn is not None
        while True:
            if conn is None:
                conn = self._connect(key, timeouts, request)
            try:
                conn.putrequest(request.method, target, skip_host=True, skip_accept_encoding=True)
                for name, value in headers:
                    conn.putheader(name, value)
                conn.endheaders(body or None)
                response = conn.getresponse()
                break
            except _STALE as exc:
                conn.close()
                if not reused:
                    raise httpx.RemoteProtocolError(str(exc), request=request) from exc
                conn, reused = None, False  # the server closed an idle connection: retry once
            except TimeoutError as exc:
                conn.close()
                raise httpx.ReadTimeout(str(exc), request=request) from exc
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc
        return httpx.Response(
            status_code=response.status,
            headers=response.getheaders(),
            stream=_Body(self, key, conn, response, request),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": response.reason.encode()},
            request=request,
        )

    @staticmethod
    def _connect(
        key: tuple[str, int], timeouts: dict[str, float | None], request: httpx.Request
    ) -> http.client.HTTPConnection:
        conn = http.client.HTTPConnection(key[0], key[1], timeout=timeouts.get("connect"))
        try:
            conn.connect()
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc), request=request) from exc
        except OSError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
        assert conn.sock is not None
        conn.sock.settimeout(timeouts.get("read"))
        # A body larger than one segment goes out in a second send(); without this, Nagle's
        # algorithm holds it until the server's delayed ACK (up to 40 ms).
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def close(self) -> None:
        with self._lock:
            pools, self._idle = self._idle, {}
        for pool in pools.values():
            for conn in pool:
                conn.close()


class _Body(httpx.SyncByteStream):
    def __init__(
        self,
        transport: PlainHTTPTransport,
        key: tuple[str, int],
        conn: http.client.HTTPConnection,
        response: http.client.HTTPResponse,
        request: httpx.Request,
    ) -> None:
        self._transport, self._key, self._conn = transport, key, conn
        self._response, self._request = response, request
        self._closed = False

    def __iter__(self) -> Iterator[bytes]:
        try:
            while chunk := self._response.read1(65536):
                yield chunk
        except TimeoutError as exc:
            raise httpx.ReadTimeout(str(exc), request=self._request) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__, request=self._request) from exc

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        # http.client leaves a fully read Content-Length body open (length 0) until closed.
        finished = self._response.isclosed() or self._response.length == 0
        reusable = finished and not self._response.will_close
        self._response.close()
        if reusable:
            self._transport._give_back(self._key, self._conn)
        else:
            self._conn.close()

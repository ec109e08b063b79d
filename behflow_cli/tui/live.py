"""The server's event stream for the TUI: read in a worker thread, reconnecting by itself.

It resumes with Last-Event-ID after a drop, so nothing is missed while offline.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
from httpx_sse import EventSource, SSEError

from behflow_cli.client import BehflowClient

EVENTS_PATH = "/api/v1/events"
# The server sends a heartbeat every 15 s; a silent minute means the connection is dead.
READ_TIMEOUT = 60.0
MAX_BACKOFF = 5.0


@dataclass
class Frame:
    type: str
    id: str | None
    data: dict[str, Any]


def frames(response: httpx.Response) -> Iterator[Frame]:
    """The frames of an event stream that carry data, parsed by httpx-sse (the maintained
    SSE parser for httpx); heartbeats and comments carry none and are dropped."""
    for event in EventSource(response).iter_sse():
        if not event.data:
            continue
        try:
            payload = json.loads(event.data)
        except ValueError:
            payload = {}
        yield Frame(event.event, event.id or None, payload if isinstance(payload, dict) else {})


class EventStream:
    def __init__(
        self,
        client: BehflowClient,
        on_frame: Callable[[Frame], object],
        on_state: Callable[[bool, str], object],
        *,
        first_backoff: float = 0.5,
    ) -> None:
        self.client = client
        self.on_frame = on_frame
        self.on_state = on_state
        self.first_backoff = first_backoff
        self.last_event_id: str | None = None
        self._stop = threading.Event()
        self._http: httpx.Client | None = None
        self._response: httpx.Response | None = None
        self._lock = threading.Lock()

    def run(self) -> None:
        """Blocks until stop(): connect, read, and on any failure wait and reconnect."""
        delay = self.first_backoff
        while not self._stop.is_set():
            try:
                if self._read_once():
                    return  # the token was refused: reconnecting cannot help
                delay = self.first_backoff
                detail = "the server closed the event stream"
            except (httpx.HTTPError, SSEError, OSError, RuntimeError) as exc:
                # RuntimeError/OSError: stop() closed the connection under the read.
                detail = f"offline: {type(exc).__name__}"
            if self._stop.is_set():
                return
            self.on_state(False, detail)
            self._stop.wait(delay)
            delay = min(delay * 2, MAX_BACKOFF)

    def _read_once(self) -> bool:
        headers = {**self.client.headers(), "Accept": "text/event-stream"}
        if self.last_event_id:
            headers["Last-Event-ID"] = self.last_event_id
        http = httpx.Client(
            base_url=self.client.base_url,
            timeout=httpx.Timeout(10.0, read=READ_TIMEOUT),
            verify=self.client.base_url.startswith("https://"),
        )
        with self._lock:
            if self._stop.is_set():
                http.close()
                return True
            self._http = http
        try:
            with http.stream("GET", EVENTS_PATH, headers=headers) as response:
                with self._lock:
                    self._response = response
                if self._stop.is_set():
                    return True
                if response.status_code == 401:
                    self.on_state(False, "login needed: run `behflow login`")
                    return True
                if response.status_code != 200:
                    raise httpx.HTTPStatusError(
                        f"events answered {response.status_code}",
                        request=response.request,
                        response=response,
                    )
                self.on_state(True, "")
                for frame in frames(response):
                    if frame.id:
                        self.last_event_id = frame.id
                    self.on_frame(frame)
        finally:
            with self._lock:
                self._http = None
                self._response = None
            http.close()
        return False

    def stop(self) -> None:
        """Ask run() to return, waking a read blocked on the socket at once."""
        self._stop.set()
        with self._lock:
            response = self._response
        if response is None:
            return
        # Closing the client from this thread would wait for the reading one; shutting the
        # socket down makes its blocked recv() return immediately instead.
        stream = response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

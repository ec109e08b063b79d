"""uvicorn's HTTP protocol with a header read timeout.

uvicorn 0.54 arms its only read timer (`timeout_keep_alive`) after a response has been sent: a
connection that never sends a request, or stops half-way through its request line or headers,
is kept open for ever (1,500 such connections were all kept, issue #10.9). `limit_concurrency`
and `h11_max_incomplete_event_size` bound other things (open requests, header size), not time.
So the protocol is subclassed: from the moment a connection opens, and again each time a response
ends, the next request's headers must be complete within `header_timeout` seconds or the
connection is closed. Once a request's headers are in, the timer has no say: a long-lived event
stream or a slow handler is never cut. The body is bounded separately, at the ASGI edge
(BodySizeLimitMiddleware), where a 408 can still be answered.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

from uvicorn.protocols.http.auto import AutoHTTPProtocol


def with_header_timeout(
    header_timeout: float, base: type[asyncio.Protocol] = AutoHTTPProtocol
) -> type[asyncio.Protocol]:
    """`base` (uvicorn's httptools or h11 protocol) closing connections whose request headers
    do not arrive within `header_timeout` seconds."""

    class HeaderTimeoutProtocol(base):  # type: ignore[valid-type, misc]  # a class chosen at run time
        _header_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)
            self._arm_header_timer()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm_header_timer()

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel_header_timer()
            super().connection_lost(exc)

        def _arm_header_timer(self) -> None:
            self._cancel_header_timer()
            loop = cast(Any, self).loop
            self._header_timer = loop.call_later(header_timeout, self._header_timer_expired)

        def _cancel_header_timer(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _header_timer_expired(self) -> None:
            self._header_timer = None
            this = cast(Any, self)
            # uvicorn makes the request's cycle once its headers are complete: none (or only
            # the previous, finished one) means the client is still on its headers.
            waiting_for_headers = this.cycle is None or this.cycle.response_complete
            if waiting_for_headers and not this.transport.is_closing():
                this.transport.close()

    HeaderTimeoutProtocol.__name__ = f"HeaderTimeout{base.__name__}"
    HeaderTimeoutProtocol.__qualname__ = HeaderTimeoutProtocol.__name__
    return HeaderTimeoutProtocol

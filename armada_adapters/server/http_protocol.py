"""uvicorn's h11 protocol with deadlines for reading a request.

uvicorn closes a keep-alive connection idle between requests (`timeout_keep_alive`)
but sets no limit on how long a request's headers or body may take to arrive, nor
on a new connection that sends nothing: a client sending a header byte at a time
(slowloris) holds a connection forever. Here, from a connection's first moment and
from the first byte of each further request, the headers must be complete within
`header_timeout`; then the body within `body_timeout`. A connection that misses
either is closed (uvicorn tells the application its client left, as on any
disconnect).
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol


class TimedH11Protocol(H11Protocol):
    """`H11Protocol` whose request headers and body must arrive in time."""

    def __init__(
        self, *args: Any, header_timeout: float, body_timeout: float, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._header_timeout = header_timeout
        self._body_timeout = body_timeout
        self._reading: asyncio.TimerHandle | None = None
        self._reading_body = False

    @property
    def idle(self) -> bool:
        """Whether no request is being served: closing the connection loses nothing."""
        return self.cycle is None or self.cycle.response_complete

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._expect(self._header_timeout, body=False)

    def data_received(self, data: bytes) -> None:
        if self._reading is None and self.conn.their_state is h11.IDLE:
            self._expect(self._header_timeout, body=False)  # the next request begins
        super().data_received(data)
        self._follow_state()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_clock()
        super().connection_lost(exc)

    def _follow_state(self) -> None:
        state = self.conn.their_state
        if state is h11.SEND_BODY:
            if not self._reading_body:
                self._expect(self._body_timeout, body=True)
        elif state is not h11.IDLE:
            self._stop_clock()  # the request is in (or the connection failed)

    def _expect(self, timeout: float, *, body: bool) -> None:
        self._stop_clock()
        self._reading_body = body
        self._reading = self.loop.call_later(timeout, self._too_slow)

    def _stop_clock(self) -> None:
        if self._reading is not None:
            self._reading.cancel()
            self._reading = None
        self._reading_body = False

    def _too_slow(self) -> None:
        self._reading = None
        if not self.transport.is_closing():
            self.transport.close()

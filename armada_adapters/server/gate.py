"""`ConnectionGate`: at most `limit` open connections on one listener.

Each accepted connection passes the gate before its protocol (uvicorn's, grpclib's)
is even built. At the cap, the oldest idle connection (no request or call in
progress) is closed to make room, as nginx reuses keep-alive connections; with
none idle among the oldest few, the new one is closed at once. Either way the
file descriptors in use stay bounded, so one client holding thousands of idle
connections cannot starve the other listener, the database or the health check.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, cast

from armada_adapters.server.throttled_log import ThrottledWarning

logger = logging.getLogger(__name__)

ProtocolFactory = Callable[[], asyncio.BaseProtocol]
IsIdle = Callable[[Any], bool]

# How many of the oldest connections one new connection may look at for an idle
# one: bounds the work per accept when every connection is busy.
SCAN = 32


class ConnectionGate:
    """The open connections of one listener, admitted in order, bounded by `limit`."""

    def __init__(self, name: str, limit: int, is_idle: IsIdle) -> None:
        self.name = name
        self.limit = limit
        self._is_idle = is_idle
        self._open: dict[asyncio.BaseTransport, asyncio.BaseProtocol] = {}
        self._closed_idle = ThrottledWarning(
            logger, f"{name}: {limit} connections open (the cap); closed the oldest idle one"
        )
        self._refused = ThrottledWarning(
            logger, f"{name}: {limit} connections open (the cap), none idle; refused a new one"
        )

    @property
    def open_connections(self) -> int:
        """How many connections are open now."""
        return len(self._open)

    def wrap(self, factory: ProtocolFactory) -> Callable[[], asyncio.Protocol]:
        """A protocol factory whose connections pass this gate first."""
        return lambda: _GatedProtocol(self, factory)

    def make_room(self) -> bool:
        """Whether one more connection may open (closing an idle one if need be)."""
        if len(self._open) < self.limit:
            return True
        if self._close_oldest_idle():
            self._closed_idle.note()
            return True
        self._refused.note()
        return False

    def add(self, transport: asyncio.BaseTransport, protocol: asyncio.BaseProtocol) -> None:
        """Count an admitted connection."""
        self._open[transport] = protocol

    def discard(self, transport: asyncio.BaseTransport) -> None:
        """Forget a connection that was lost."""
        self._open.pop(transport, None)

    def close_all(self) -> None:
        """Close every connection (after a drain: what is still open is idle or stuck)."""
        for transport in list(self._open):
            transport.close()

    def _close_oldest_idle(self) -> bool:
        for _ in range(min(SCAN, len(self._open))):
            transport, protocol = next(iter(self._open.items()))
            del self._open[transport]
            if self._is_idle(protocol):
                transport.close()
                return True
            self._open[transport] = protocol  # busy: to the back of the line
        return False


class _GatedProtocol(asyncio.Protocol):
    """Passes the gate on `connection_made`, then hands every event to the real protocol."""

    def __init__(self, gate: ConnectionGate, factory: ProtocolFactory) -> None:
        self._gate = gate
        self._factory = factory
        self._inner: Any = None
        self._transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if not self._gate.make_room():
            cast(asyncio.Transport, transport).abort()  # a reset: cheap for both sides
            return
        self._transport = transport
        self._inner = self._factory()
        self._gate.add(transport, self._inner)
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._inner is not None:
            self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._inner is not None else None

    def pause_writing(self) -> None:
        if self._inner is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._inner is not None:
            self._inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._inner is None or self._transport is None:
            return
        self._gate.discard(self._transport)
        self._inner.connection_lost(exc)

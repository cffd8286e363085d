"""HTTP/2 connection settings that grpclib does not expose.

grpclib keeps the h2 library's default of 100 concurrent streams per connection.
Armada's Go server allows practically unlimited streams, and Python clients open one
watch stream per job set on a single channel (armada-client's own tests leave their
probing watchers open), so with 100 the 101st watcher of a client would wait forever
for a free stream. `configure_connections` announces a higher limit on every new
connection of a server.

grpclib never closes a connection without calls, so a client that opens thousands
and leaves them holds as many file descriptors. As Go's `MaxConnectionIdle` does
(Armada sets 5 minutes), a connection that had no call for `idle_timeout` seconds
gets a GOAWAY and is closed; a client simply reconnects for its next call.

This reaches into grpclib 0.4.9 internals (the protocol factory and the connection's
h2 state); the version is pinned and `tests/adapters/grpc` checks the effect.
"""

from __future__ import annotations

import asyncio
from asyncio import BaseTransport
from collections.abc import Callable
from typing import Any

from grpclib.config import Configuration
from grpclib.protocol import H2Protocol
from grpclib.server import Server
from h2.settings import SettingCodes

MAX_CONCURRENT_STREAMS = 10_000
# An idle connection is closed between 1 and 1 + 1/IDLE_CHECKS idle timeouts.
IDLE_CHECKS = 4

# Armada pings idle connections every 120 s and drops them after 20 s without an answer.
# Pings continue while streams stay idle (grpclib stops after 2 by default), so the
# watchers of a client that vanished without closing its connection are freed too.
KEEPALIVE = Configuration(
    _keepalive_time=120.0,
    _keepalive_timeout=20.0,
    _http2_max_pings_without_data=0,
    _http2_min_sent_ping_interval_without_data=120.0,
)

ProtocolFactory = Callable[[], Any]
ProtocolWrapper = Callable[[ProtocolFactory], ProtocolFactory]


def configure_connections(
    server: Server,
    *,
    max_streams: int = MAX_CONCURRENT_STREAMS,
    idle_timeout: float | None = None,
    wrap: ProtocolWrapper | None = None,
) -> None:
    """Let each client connection of `server` open up to `max_streams` streams at once,
    close it after `idle_timeout` s without a call, and build its protocol through
    `wrap` (a connection gate) if given."""
    make_protocol = server._protocol_factory

    def protocol_factory() -> H2Protocol:
        protocol = make_protocol()
        connection_made = protocol.connection_made

        def made(transport: BaseTransport) -> None:
            connection_made(transport)
            _announce(protocol, max_streams)
            if idle_timeout is not None:
                _IdleCloser(protocol, idle_timeout)

        protocol.connection_made = made  # type: ignore[method-assign]
        return protocol

    factory: ProtocolFactory = protocol_factory
    server._protocol_factory = wrap(factory) if wrap else factory  # type: ignore[method-assign]


def is_idle(protocol: H2Protocol) -> bool:
    """Whether the connection has no call open (closing it loses nothing)."""
    processor = getattr(protocol, "processor", None)
    return processor is None or not processor.streams


def _announce(protocol: H2Protocol, limit: int) -> None:
    connection: Any = protocol.connection
    connection._connection.update_settings({SettingCodes.MAX_CONCURRENT_STREAMS: limit})
    connection.flush()


class _IdleCloser:
    """Looks at a connection IDLE_CHECKS times per `timeout`; closes it once it has
    had no call open and no new one started for `timeout` seconds."""

    def __init__(self, protocol: H2Protocol, timeout: float) -> None:
        self._protocol = protocol
        self._timeout = timeout
        self._loop = asyncio.get_running_loop()
        self._last_stream_id = 0
        self._idle_since = self._loop.time()
        self._schedule()

    def _schedule(self) -> None:
        self._loop.call_later(self._timeout / IDLE_CHECKS, self._check)

    def _check(self) -> None:
        connection: Any = self._protocol.connection
        if connection.is_closing():
            return
        now = self._loop.time()
        latest = connection._connection.highest_inbound_stream_id
        if not is_idle(self._protocol) or latest != self._last_stream_id:
            self._last_stream_id = latest
            self._idle_since = now
        elif now - self._idle_since >= self._timeout:
            connection._connection.close_connection()  # GOAWAY: no new call here
            connection.flush()
            connection.close()
            return
        self._schedule()

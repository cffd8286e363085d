"""HTTP/2 connection settings that grpclib does not expose.

grpclib keeps the h2 library's default of 100 concurrent streams per connection.
Armada's Go server allows practically unlimited streams, and Python clients open one
watch stream per job set on a single channel (armada-client's own tests leave their
probing watchers open), so with 100 the 101st watcher of a client would wait forever
for a free stream. `raise_stream_limit` announces a higher limit on every new
connection of a server.

This reaches into grpclib 0.4.9 internals (the protocol factory and the connection's
h2 state); the version is pinned and `tests/adapters/grpc` checks the effect.
"""

from __future__ import annotations

from asyncio import BaseTransport
from typing import Any

from grpclib.config import Configuration
from grpclib.protocol import H2Protocol
from grpclib.server import Server
from h2.settings import SettingCodes

MAX_CONCURRENT_STREAMS = 10_000

# Armada pings idle connections every 120 s and drops them after 20 s without an answer.
# Pings continue while streams stay idle (grpclib stops after 2 by default), so the
# watchers of a client that vanished without closing its connection are freed too.
KEEPALIVE = Configuration(
    _keepalive_time=120.0,
    _keepalive_timeout=20.0,
    _http2_max_pings_without_data=0,
    _http2_min_sent_ping_interval_without_data=120.0,
)


def raise_stream_limit(server: Server, limit: int = MAX_CONCURRENT_STREAMS) -> None:
    """Let each client connection of `server` open up to `limit` streams at once."""
    make_protocol = server._protocol_factory

    def protocol_factory() -> H2Protocol:
        protocol = make_protocol()
        connection_made = protocol.connection_made

        def made(transport: BaseTransport) -> None:
            connection_made(transport)
            _announce(protocol, limit)

        protocol.connection_made = made  # type: ignore[method-assign]
        return protocol

    server._protocol_factory = protocol_factory  # type: ignore[method-assign]


def _announce(protocol: H2Protocol, limit: int) -> None:
    connection: Any = protocol.connection
    connection._connection.update_settings({SettingCodes.MAX_CONCURRENT_STREAMS: limit})
    connection.flush()

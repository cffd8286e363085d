"""The two listeners of the reference server, gRPC (grpclib) and REST (uvicorn),
in one event loop, and their graceful stop.

Sockets are bound here, before either server starts, so a port in use is one clear
error and port 0 (tests) reports the port really bound. Each listener has a
connection gate (`gate.py`) with its cap; REST requests must arrive in time
(`http_protocol.py`) and gRPC connections without calls are closed
(`armada_adapters.grpc.connection`), all as the `connections:` section says.

Stopping: both adapters share one `CallTracker`; its drain refuses new calls, ends
every watch stream at once with UNAVAILABLE, and gives running calls the grace
period. Only then are the servers closed, so no stream is cut mid-way.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import uvicorn
from grpclib.server import Server as GrpcServer

from armada_adapters.grpc.connection import is_idle as grpc_is_idle
from armada_adapters.grpc.server import build_grpc_server
from armada_adapters.observability.record import RequestObserver
from armada_adapters.rest import create_app
from armada_adapters.rest.settings import RestSettings
from armada_adapters.server.config import ServerConfig
from armada_adapters.server.gate import ConnectionGate
from armada_adapters.server.http_protocol import TimedH11Protocol
from armada_adapters.server.resources import (
    connection_cap,
    raise_open_file_limit,
    throttle_accept_errors,
)
from armada_adapters.wire.shutdown import CallTracker
from armada_auth import Authenticator
from armada_core.service import ArmadaService

if TYPE_CHECKING:
    from armada_adapters.ui.logs import LogSources

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where the server listens (the bound ports, also when port 0 was asked for)."""

    host: str
    grpc_port: int
    http_port: int
    metrics_port: int | None = None  # None: metrics are off

    def describe(self) -> str:
        """`gRPC on host:port, REST on host:port[, metrics on host:port]`, for the ready line."""
        text = f"gRPC on {self.host}:{self.grpc_port}, REST on {self.host}:{self.http_port}"
        if self.metrics_port is not None:
            text += f", metrics on {self.host}:{self.metrics_port}"
        return text


class _EmbeddedUvicorn(uvicorn.Server):
    """uvicorn without its own signal handling: signals belong to the composition root."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass(frozen=True, slots=True)
class Gates:
    """The connection gate of each listener."""

    grpc: ConnectionGate
    http: ConnectionGate

    def close_all(self) -> None:
        """Close every connection still open on either listener."""
        self.grpc.close_all()
        self.http.close_all()


class Listeners:
    """The running gRPC and REST servers."""

    def __init__(
        self,
        endpoints: Endpoints,
        grpc: GrpcServer,
        calls: CallTracker,
        http: _EmbeddedUvicorn,
        http_task: asyncio.Task[None],
        gates: Gates,
    ) -> None:
        self.endpoints = endpoints
        self.gates = gates
        self._grpc = grpc
        self._calls = calls
        self._http = http
        self._http_task = http_task

    async def wait(self, stop: asyncio.Event) -> None:
        """Until `stop` is set, or until the REST server ends on its own (logged)."""
        stopping = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait(
            {stopping, self._http_task}, return_when=asyncio.FIRST_COMPLETED
        )
        if stopping not in done:
            stopping.cancel()
            logger.error("the REST server stopped unexpectedly; shutting down")

    async def stop(self, grace: float) -> None:
        """Stop accepting, end watchers, give running calls `grace` s, then close."""
        self._http.should_exit = True  # uvicorn stops accepting, closes idle connections
        if not await self._calls.drain(grace):
            self._http.force_exit = True
        self._grpc.close()
        self.gates.grpc.close_all()  # idle clients: grpclib leaves their connections open
        await asyncio.gather(self._grpc.wait_closed(), self._stop_http())
        self.gates.close_all()

    async def _stop_http(self) -> None:
        try:
            await self._http_task
        except Exception:
            logger.exception("the REST server failed")


async def start_listeners(
    config: ServerConfig,
    service: ArmadaService,
    authenticator: Authenticator,
    observer: RequestObserver | None = None,
    ui_logs: LogSources | None = None,
) -> Listeners:
    """Bind both ports, then start serving on them; requests are reported to `observer`,
    the web UI reads logs from `ui_logs`."""
    grpc_sock = bind(config.bind_address, config.grpc_port)
    try:
        http_sock = bind(config.bind_address, config.http_port)
    except OSError:
        grpc_sock.close()
        raise
    throttle_accept_errors(asyncio.get_running_loop())
    gates = _gates(config)
    calls = CallTracker()
    grpc = build_grpc_server(
        service,
        authenticator,
        tracker=calls,
        idle_timeout=config.connections.grpc_idle_timeout,
        wrap_protocol=gates.grpc.wrap,
        max_message_bytes=config.max_message_bytes,
        observer=observer,
    )
    await grpc.start(sock=grpc_sock)
    app = create_app(
        service,
        authenticator,
        settings=_rest(config),
        calls=calls,
        observer=observer,
        ui=config.ui_enabled,
        ui_logs=ui_logs,
    )
    http = _http_server(config, app, gates.http)
    http_task = asyncio.create_task(http.serve(sockets=[http_sock]), name="armada-rest")
    endpoints = Endpoints(config.bind_address, _port(grpc_sock), _port(http_sock))
    return Listeners(endpoints, grpc, calls, http, http_task, gates)


def _gates(config: ServerConfig) -> Gates:
    cap = connection_cap(config.connections.max_per_listener, raise_open_file_limit())
    return Gates(
        grpc=ConnectionGate("gRPC listener", cap, grpc_is_idle),
        http=ConnectionGate("REST listener", cap, lambda protocol: protocol.idle),
    )


def _rest(config: ServerConfig) -> RestSettings:
    return RestSettings(
        cors_allowed_origins=config.cors_allowed_origins,
        max_message_bytes=config.max_message_bytes,
    )


def _http_server(config: ServerConfig, app: Any, gate: ConnectionGate) -> _EmbeddedUvicorn:
    timeouts = config.connections
    h11 = functools.partial(
        TimedH11Protocol,
        header_timeout=timeouts.http_header_timeout,
        body_timeout=timeouts.http_body_timeout,
    )

    def protocol(**kwargs: Any) -> asyncio.Protocol:
        # uvicorn calls its "protocol class" with its own arguments: gate, then build.
        return gate.wrap(functools.partial(h11, **kwargs))()

    uv_config = uvicorn.Config(
        app,
        http=cast("type[asyncio.Protocol]", protocol),
        lifespan="off",
        log_config=None,
        access_log=False,
        timeout_keep_alive=cast(int, timeouts.http_idle_timeout),  # any float works
        timeout_graceful_shutdown=math.ceil(config.shutdown_grace_seconds),
    )
    return _EmbeddedUvicorn(uv_config)


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket; OSError names the address when it is taken.

    The protocol is given explicitly: asyncio turns Nagle's algorithm off only on
    sockets whose `proto` is TCP, and without that every small response waits ~40 ms
    for a delayed ACK (`socket.create_server` leaves `proto` 0).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise OSError(exc.errno, f"cannot listen on {host}:{port}: {exc.strerror}") from None
    return sock


def _port(sock: socket.socket) -> int:
    return int(sock.getsockname()[1])

"""The two listeners of the reference server, gRPC (grpclib) and REST (uvicorn),
in one event loop, and their graceful stop.

Sockets are bound here, before either server starts, so a port in use is one clear
error and port 0 (tests) reports the port really bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import socket
from collections.abc import Iterator
from dataclasses import dataclass

import uvicorn
from grpclib.server import Server as GrpcServer

from armada_adapters.grpc.server import build_grpc_server
from armada_adapters.grpc.shutdown import CallTracker
from armada_adapters.observability.record import RequestObserver
from armada_adapters.rest import create_app
from armada_adapters.rest.settings import RestSettings
from armada_adapters.server.config import ServerConfig
from armada_auth import Authenticator
from armada_core.service import ArmadaService

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


class Listeners:
    """The running gRPC and REST servers."""

    def __init__(
        self,
        endpoints: Endpoints,
        grpc: GrpcServer,
        tracker: CallTracker,
        http: _EmbeddedUvicorn,
        http_task: asyncio.Task[None],
    ) -> None:
        self.endpoints = endpoints
        self._grpc = grpc
        self._tracker = tracker
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
        await asyncio.gather(self._stop_grpc(grace), self._stop_http())

    async def _stop_grpc(self, grace: float) -> None:
        await self._tracker.drain(grace)
        self._grpc.close()
        await self._grpc.wait_closed()

    async def _stop_http(self) -> None:
        self._http.should_exit = True
        try:
            await self._http_task
        except Exception:
            logger.exception("the REST server failed")


async def start_listeners(
    config: ServerConfig,
    service: ArmadaService,
    authenticator: Authenticator,
    observer: RequestObserver | None = None,
) -> Listeners:
    """Bind both ports, then start serving on them; requests are reported to `observer`."""
    grpc_sock = bind(config.bind_address, config.grpc_port)
    try:
        http_sock = bind(config.bind_address, config.http_port)
    except OSError:
        grpc_sock.close()
        raise
    tracker = CallTracker()
    grpc = build_grpc_server(service, authenticator, tracker=tracker, observer=observer)
    await grpc.start(sock=grpc_sock)
    http = _http_server(config, service, authenticator, observer)
    http_task = asyncio.create_task(http.serve(sockets=[http_sock]), name="armada-rest")
    endpoints = Endpoints(config.bind_address, _port(grpc_sock), _port(http_sock))
    return Listeners(endpoints, grpc, tracker, http, http_task)


def _http_server(
    config: ServerConfig,
    service: ArmadaService,
    authenticator: Authenticator,
    observer: RequestObserver | None = None,
) -> _EmbeddedUvicorn:
    settings = RestSettings(cors_allowed_origins=config.cors_allowed_origins)
    app = create_app(service, authenticator, settings=settings, observer=observer)
    uv_config = uvicorn.Config(
        app,
        lifespan="off",
        log_config=None,
        access_log=False,
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

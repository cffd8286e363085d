"""`build_grpc_server`: our servables in a grpclib `Server`, ready to `start`."""

from __future__ import annotations

from grpclib.config import Configuration
from grpclib.server import Server

from armada_adapters.grpc.auth import attach_authentication
from armada_adapters.grpc.connection import (
    KEEPALIVE,
    MAX_CONCURRENT_STREAMS,
    ProtocolWrapper,
    configure_connections,
)
from armada_adapters.grpc.gzip import install_gzip_support
from armada_adapters.grpc.handlers import build_servables
from armada_adapters.grpc.observe import attach_observer
from armada_adapters.grpc.request_id import attach_request_ids
from armada_adapters.observability.record import RequestObserver
from armada_adapters.wire.limits import DEFAULT_MAX_MESSAGE_BYTES
from armada_adapters.wire.operations import EXECUTOR_SERVICES, SERVICES
from armada_adapters.wire.shutdown import CallTracker
from armada_auth import Authenticator
from armada_core.service import ArmadaService


def build_grpc_server(
    service: ArmadaService,
    authenticator: Authenticator | None,
    *,
    tracker: CallTracker | None = None,
    config: Configuration = KEEPALIVE,
    max_concurrent_streams: int = MAX_CONCURRENT_STREAMS,
    idle_timeout: float | None = None,
    wrap_protocol: ProtocolWrapper | None = None,
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
    observer: RequestObserver | None = None,
) -> Server:
    """A grpclib server for `api.Submit`, `api.QueueService`, `api.Event`, `api.Jobs` and
    `executorapi.ExecutorApi` (decision E1).

    Request ids are attached before authentication, so rejected calls carry one too.
    Without an authenticator every caller is `anonymous`. Pass the `tracker` whose
    `drain()` should end the calls gracefully before `Server.close()`. Each client
    connection may hold `max_concurrent_streams` calls at once (watchers included),
    and is closed after `idle_timeout` s without any; `wrap_protocol` wraps each
    connection's protocol (the reference server's connection gate). A request message
    may hold at most `max_message_bytes` (decompressed). Every call is reported to
    `observer` (access log, metrics), if given.
    """
    install_gzip_support()
    servables = build_servables(
        service,
        tracker=tracker,
        max_message_bytes=max_message_bytes,
        services=(*SERVICES, *EXECUTOR_SERVICES),
    )
    server = Server(servables, config=config)
    configure_connections(
        server,
        max_streams=max_concurrent_streams,
        idle_timeout=idle_timeout,
        wrap=wrap_protocol,
    )
    attach_request_ids(server)
    if authenticator is not None:
        attach_authentication(server, authenticator)
    if observer is not None:
        attach_observer(server, observer)  # after authentication: sees refusals too
    return server

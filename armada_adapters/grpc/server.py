"""`build_grpc_server`: our servables in a grpclib `Server`, ready to `start`."""

from __future__ import annotations

from grpclib.config import Configuration
from grpclib.server import Server

from armada_adapters.grpc.auth import attach_authentication
from armada_adapters.grpc.connection import KEEPALIVE, MAX_CONCURRENT_STREAMS, raise_stream_limit
from armada_adapters.grpc.gzip import install_gzip_support
from armada_adapters.grpc.handlers import build_servables
from armada_adapters.grpc.request_id import attach_request_ids
from armada_adapters.grpc.shutdown import CallTracker
from armada_adapters.wire.operations import EXECUTOR_SERVICES, SERVICES
from armada_auth import Authenticator
from armada_core.service import ArmadaService


def build_grpc_server(
    service: ArmadaService,
    authenticator: Authenticator | None,
    *,
    tracker: CallTracker | None = None,
    config: Configuration = KEEPALIVE,
    max_concurrent_streams: int = MAX_CONCURRENT_STREAMS,
) -> Server:
    """A grpclib server for `api.Submit`, `api.QueueService`, `api.Event`, `api.Jobs` and
    `executorapi.ExecutorApi` (decision E1).

    Request ids are attached before authentication, so rejected calls carry one too.
    Without an authenticator every caller is `anonymous`. Pass the `tracker` whose
    `drain()` should end the calls gracefully before `Server.close()`. Each client
    connection may hold `max_concurrent_streams` calls at once (watchers included).
    """
    install_gzip_support()
    services = (*SERVICES, *EXECUTOR_SERVICES)
    server = Server(build_servables(service, tracker=tracker, services=services), config=config)
    raise_stream_limit(server, max_concurrent_streams)
    attach_request_ids(server)
    if authenticator is not None:
        attach_authentication(server, authenticator)
    return server

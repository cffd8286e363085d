"""Calls to the public gRPC API with grpclib and the CLI's upb classes (spec §2.6).

One channel per command. Plaintext when the connection says so, else TLS with the
system roots. Unary calls have armadactl's deadlines (10 s; 30 s for queue reads) and
are retried up to 5 times, 1 s backoff doubling, when the server answers UNAVAILABLE or
RESOURCE_EXHAUSTED. A server that cannot be reached fails at once (an OSError for `main`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import Message
from grpclib.client import Channel
from grpclib.const import Cardinality, Status
from grpclib.exceptions import GRPCError

from armada_adapters.wire.pool import message_class, service_descriptor
from armada_cli.config import Connection
from armada_cli.credentials import Provider, provider_for
from armada_cli.errors import CliError

DEADLINE = 10.0
SLOW_DEADLINE = 30.0
SLOW_METHODS = frozenset({"/api.Submit/GetQueue", "/api.Submit/GetQueues"})
RETRIES = 5
FIRST_BACKOFF = 1.0
RETRYABLE = frozenset({Status.UNAVAILABLE, Status.RESOURCE_EXHAUSTED})


class Api:
    """An open channel to the API; use as `async with Api(connection) as api`."""

    def __init__(self, connection: Connection, credentials: Provider | None = None) -> None:
        self.connection = connection
        self._credentials = credentials or provider_for(connection.auth, connection.url)
        self._channel: Channel | None = None

    async def __aenter__(self) -> Api:
        host, port = split_target(self.connection.url)
        self._channel = Channel(host, port, ssl=None if self.connection.plaintext else True)
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._channel is not None:
            self._channel.close()

    async def unary(self, path: str, request: Message) -> Any:
        """The reply of a unary call, retried on UNAVAILABLE/RESOURCE_EXHAUSTED."""
        timeout = SLOW_DEADLINE if path in SLOW_METHODS else DEADLINE
        backoff = FIRST_BACKOFF
        for attempt in range(RETRIES + 1):
            try:
                return await self._unary_once(path, request, timeout)
            except GRPCError as error:
                if error.status not in RETRYABLE or attempt == RETRIES:
                    raise
            await asyncio.sleep(backoff)
            backoff *= 2
        raise AssertionError("unreachable")

    async def _unary_once(self, path: str, request: Message, timeout: float) -> Any:
        reply_class = message_class(method(path).output_type.full_name)
        async with await self._open(path, type(request), reply_class, timeout) as stream:
            with _trailers_only(stream):
                await stream.send_message(request, end=True)
                return await stream.recv_message()

    async def stream(self, path: str, request: Message) -> AsyncIterator[Any]:
        """The messages of a server stream (no deadline, as armadactl's watch)."""
        reply_class = message_class(method(path).output_type.full_name)
        async with await self._open(path, type(request), reply_class, None) as stream:
            with _trailers_only(stream):
                await stream.send_message(request, end=True)
                async for message in stream:
                    yield message

    async def _open(self, path: str, request: type, reply: type, timeout: float | None) -> Any:
        """A grpclib stream (not yet entered) carrying fresh credentials."""
        assert self._channel is not None, "use Api as an async context manager"
        streaming = method(path).server_streaming
        cardinality = Cardinality.UNARY_STREAM if streaming else Cardinality.UNARY_UNARY
        metadata = await self._credentials()
        return self._channel.request(
            path, cardinality, request, reply, timeout=timeout, metadata=metadata
        )


@contextmanager
def _trailers_only(stream: Any) -> Iterator[None]:
    """The status of a trailers-only reply that lacks a content-type.

    grpclib's server answers an unknown method that way (UNIMPLEMENTED) and grpclib's
    client then reports UNKNOWN "Missing content-type header" before reading the
    status; the status is in the headers it received.
    """
    try:
        yield
    except GRPCError as error:
        headers = dict(getattr(getattr(stream, "_stream", None), "headers", None) or ())
        if error.status is not Status.UNKNOWN or "grpc-status" not in headers:
            raise
        try:
            status = Status(int(headers["grpc-status"]))
        except ValueError:
            raise error from None
        raise GRPCError(status, unquote(headers.get("grpc-message", ""))) from None


def method(path: str) -> MethodDescriptor:
    """The descriptor of `/package.Service/Method` in the wire schema; KeyError if unknown."""
    service, _, name = path.strip("/").partition("/")
    return service_descriptor(service).methods_by_name[name]


def split_target(url: str) -> tuple[str, int]:
    """`host:port` (also `dns:///host:port`, `[::1]:port`) → host, port (default 50051)."""
    target = url.removeprefix("dns:///").removeprefix("dns:").strip("/")
    try:
        parts = urlsplit(f"//{target}")
        return parts.hostname or "localhost", parts.port or 50051
    except ValueError:
        raise CliError(f"invalid armadaUrl {url!r}: expected host:port") from None

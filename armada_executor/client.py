"""The executor's side of `executorapi.ExecutorApi` over gRPC (grpclib, upb messages).

One `LeaseJobRuns` call per round: send one `LeaseRequest`, read until `End`, half-close
and expect the end of the stream. A call that ends without `End` is discarded whole, as
Armada's executor does; the server re-sends its leases next round. The call lets the
server hold it for up to `lease_wait_seconds` while it has nothing to say (our server
then answers as soon as work is placed; another ignores the header), so a job starts
without waiting for the next round.
"""

from __future__ import annotations

import ssl
from typing import Any, Protocol

from grpclib.client import Channel
from grpclib.const import Cardinality
from grpclib.exceptions import GRPCError, ProtocolError, StreamTerminatedError

from armada_adapters.wire.convert.executor import LEASE_WAIT_HEADER
from armada_config.addresses import host_port
from armada_executor.messages import (
    LEASE_JOB_RUNS,
    REPORT_EVENTS,
    Empty,
    EventList,
    LeaseRequest,
    LeaseStreamMessage,
)

CALL_TIMEOUT_SECONDS = 30.0
MAX_MESSAGE_BYTES = 8 * 1024 * 1024
# What a broken connection or a restarting server looks like to a caller.
TRANSIENT = (GRPCError, ProtocolError, StreamTerminatedError, OSError, TimeoutError)


class IncompleteLease(Exception):
    """The lease stream ended before its End marker."""


class Credentials(Protocol):
    async def metadata(self) -> dict[str, str]: ...


def split_url(url: str) -> tuple[str, int]:
    """`host:port` (Armada's `armadaUrl`, optionally with a scheme) as host and port."""
    return host_port(url, "executorApiConnection.armadaUrl")


class ExecutorApiClient:
    def __init__(
        self, url: str, *, use_tls: bool, credentials: Credentials, lease_wait_seconds: float = 0
    ) -> None:
        host, port = split_url(url)
        context = ssl.create_default_context() if use_tls else None
        self._channel = Channel(host, port, ssl=context)
        self._credentials = credentials
        self._lease_wait = {LEASE_WAIT_HEADER: str(round(lease_wait_seconds * 1000))}

    async def lease(self, request: Any) -> list[Any]:
        """The messages of one lease round (leases, cancels, preempts), without `End`."""
        metadata = {**await self._credentials.metadata(), **self._lease_wait}
        path, cardinality = LEASE_JOB_RUNS, Cardinality.STREAM_STREAM
        async with self._channel.request(
            path, cardinality, LeaseRequest, LeaseStreamMessage,
            timeout=CALL_TIMEOUT_SECONDS, metadata=metadata,
        ) as stream:  # fmt: skip
            await stream.send_message(request)
            messages: list[Any] = []
            while (message := await stream.recv_message()) is not None:
                if message.WhichOneof("event") == "end":
                    await stream.end()
                    await stream.recv_message()
                    return messages
                messages.append(message)
        raise IncompleteLease("the lease stream ended without its End marker")

    async def report(self, events: Any) -> None:
        metadata = await self._credentials.metadata()
        async with self._channel.request(
            REPORT_EVENTS, Cardinality.UNARY_UNARY, EventList, Empty,
            timeout=CALL_TIMEOUT_SECONDS, metadata=metadata,
        ) as stream:  # fmt: skip
            await stream.send_message(events, end=True)
            await stream.recv_message()

    def close(self) -> None:
        self._channel.close()

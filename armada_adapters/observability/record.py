"""One finished request as both adapters report it, and who listens."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """A request as the access log and the metrics see it.

    `method` is the gRPC method path (`/api.Submit/SubmitJobs`) or the REST route
    template (`/v1/job/submit`, never the concrete path: label values stay few);
    `status` the gRPC status name (`OK`, `INVALID_ARGUMENT`) or the HTTP status code.
    """

    protocol: str  # "grpc" or "http"
    verb: str  # the HTTP method; "" for gRPC
    method: str
    status: str
    seconds: float
    principal: str  # "" when the request never got one (refused before authentication)
    request_id: str
    streaming: bool
    health: bool


def is_watch(method_path: str) -> bool:
    """Whether an RPC's stream is a watcher (an event stream, not GetQueues' list)."""
    return method_path.startswith("/api.Event/") and not method_path.endswith("/Health")


class RequestObserver(Protocol):
    """Hears of requests; called on the event loop, so it must be cheap."""

    def started(self, protocol: str, method: str, streaming: bool) -> None:
        """A request arrived (before authentication)."""

    def watch_opened(self, principal: str) -> None:
        """An event stream began sending (a live watcher, see `is_watch`)."""

    def watch_closed(self, principal: str) -> None:
        """A stream that `watch_opened` ended."""

    def finished(self, record: RequestRecord) -> None:
        """A request ended (answered, failed or abandoned by its client)."""


class FanOut:
    """A `RequestObserver` that tells each of `observers` in turn."""

    def __init__(self, observers: Sequence[RequestObserver]) -> None:
        self._observers = tuple(observers)

    def started(self, protocol: str, method: str, streaming: bool) -> None:
        for observer in self._observers:
            observer.started(protocol, method, streaming)

    def watch_opened(self, principal: str) -> None:
        for observer in self._observers:
            observer.watch_opened(principal)

    def watch_closed(self, principal: str) -> None:
        for observer in self._observers:
            observer.watch_closed(principal)

    def finished(self, record: RequestRecord) -> None:
        for observer in self._observers:
            observer.finished(record)

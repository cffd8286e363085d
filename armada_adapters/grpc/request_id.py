"""Request ids (decision 14): keep the client's `x-request-id` or make one.

The id of the call being handled lives in a context variable, so every log line of
the call can carry it (`RequestIdFilter`), error messages start with
`[x-request-id: "<id>"]` as Armada's do, and the id goes back to the client in the
trailing metadata. Handlers set it themselves (`request_scope`), which works in any
grpclib server; `attach_request_ids` also sets it before authentication runs, so
rejected calls are logged and answered with their id too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from grpclib.events import RecvRequest, SendTrailingMetadata, listen
from grpclib.server import Server

from armada_adapters.wire import request_ids
from armada_adapters.wire.request_ids import REQUEST_ID_KEY, new_request_id

__all__ = [
    "REQUEST_ID_KEY",
    "RequestIdFilter",
    "attach_request_ids",
    "current_request_id",
    "incoming_request_id",
    "new_request_id",
    "prefixed",
    "request_scope",
    "trailers",
]

_current: ContextVar[str | None] = ContextVar("armada_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the call being handled, or None outside a call."""
    return _current.get()


def incoming_request_id(metadata: Mapping[str, Any] | None) -> str:
    """The client's id if it sent a usable one, else a fresh one."""
    return request_ids.request_id_from((metadata or {}).get(REQUEST_ID_KEY))


@contextmanager
def request_scope(metadata: Mapping[str, Any] | None) -> Iterator[str]:
    """Run a call with its request id set (the one set earlier, if any, is kept)."""
    existing = _current.get()
    if existing is not None:
        yield existing
        return
    token = _current.set(incoming_request_id(metadata))
    try:
        yield _current.get() or ""
    finally:
        _current.reset(token)


def prefixed(message: str) -> str:
    """An error message as Armada words it: `[x-request-id: "<id>"] <message>`."""
    return request_ids.prefixed(message, _current.get())


def trailers() -> tuple[tuple[str, str], ...]:
    """Trailing metadata carrying the current request id (empty outside a call)."""
    request_id = _current.get()
    return ((REQUEST_ID_KEY, request_id),) if request_id else ()


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (or `-`) to every record, for `%(request_id)s` in formats.

    A record that names its own (`extra={"request_id": ...}`, as the access log of
    a REST request does) keeps it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = getattr(record, "request_id", None) or _current.get() or "-"
        return True


def attach_request_ids(server: Server) -> None:
    """Set the id as soon as a request arrives, and return it in every trailer.

    Attach before authentication so auth failures carry the id. The listener runs in
    the request's own task, so the context variable stays set for the whole call and
    never leaks into another one.
    """

    async def on_request(event: RecvRequest) -> None:
        _current.set(incoming_request_id(event.metadata))

    async def on_trailers(event: SendTrailingMetadata) -> None:
        request_id = _current.get()
        if request_id and REQUEST_ID_KEY not in event.metadata:
            event.metadata[REQUEST_ID_KEY] = request_id

    listen(server, RecvRequest, on_request)
    listen(server, SendTrailingMetadata, on_trailers)

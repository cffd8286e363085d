"""Server streams as chunked lines: `{"result": <message>}\\n`, flushed one by one.

The response starts (status 200, headers out) as soon as the stream is open, so a
watcher sees its headers at once (decision 11). A failure later is written as the
last line, `{"error": {...}}`, as grpc-gateway does. While lines are relayed, a
second task listens for `http.disconnect`: a client that leaves cancels the relay
at once and the stream is closed, so an abandoned watcher holds nothing. A request
deadline (`Grpc-Timeout`) bounds the whole stream, watches included: when it passes
the stream is closed the same way and DEADLINE_EXCEEDED is the last line. When the
server drains (`CallTracker`), the stream ends at once with UNAVAILABLE as its last
line and a proper end of the chunked body.

The items are read one ahead (`prefetched`); a `Page` of items (an event stream's
read) goes out as chunks of many lines rather than a chunk per line.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
from starlette.types import Receive, Send

from armada_adapters.rest.deadline import within_deadline
from armada_adapters.rest.errors import dumps
from armada_adapters.wire.pages import Page, close_stream, prefetched
from armada_adapters.wire.shutdown import CallTracker
from armada_core.pacing import paced_map

Line = dict[str, Any]
ErrorLine = Callable[[Exception], Line]

HEADERS = ((b"content-type", b"application/json"),)
LINES_PER_CHUNK = 64  # an event line is ~1 KB with its job, ~250 bytes without


async def relay(
    items: AsyncIterator[Line | Page[Any]],
    receive: Receive,
    send: Send,
    error_line: ErrorLine,
    deadline: float | None = None,
    calls: CallTracker | None = None,
) -> None:
    """Send every item as a line until the stream ends, fails, the client leaves,
    the `deadline` (anyio clock) passes or `calls` drains."""
    await send({"type": "http.response.start", "status": 200, "headers": list(HEADERS)})
    try:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(_cancel_on_disconnect, receive, tasks.cancel_scope)
            await _pump(items, send, error_line, deadline, calls or CallTracker())
            tasks.cancel_scope.cancel()
    finally:
        with anyio.CancelScope(shield=True):
            await close_stream(items)  # if it failed before the reader took it


async def _pump(
    items: AsyncIterator[Line | Page[Any]],
    send: Send,
    error_line: ErrorLine,
    deadline: float | None,
    calls: CallTracker,
) -> None:
    tail = b""
    try:
        with within_deadline(deadline), calls.stream():
            async with prefetched(items) as ahead:
                async for item in ahead:
                    await _send_item(send, item)
    except Exception as exc:  # the stream's boundary: the failure becomes the last line
        tail = dumps(error_line(exc))
    await send({"type": "http.response.body", "body": tail, "more_body": False})


async def _send_item(send: Send, item: Line | Page[Any]) -> None:
    if not isinstance(item, Page):
        await _chunk(send, _line(item))
        return
    # Paced: a page of big events takes long enough to hold up other calls.
    lines = await paced_map(lambda one: _line(item.to_json(one)), item.items)
    for start in range(0, len(lines), LINES_PER_CHUNK):
        await _chunk(send, b"".join(lines[start : start + LINES_PER_CHUNK]))


def _line(item: Line) -> bytes:
    return dumps({"result": item}) + b"\n"


async def _chunk(send: Send, body: bytes) -> None:
    await send({"type": "http.response.body", "body": body, "more_body": True})


async def _cancel_on_disconnect(receive: Receive, scope: anyio.CancelScope) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            scope.cancel()
            return

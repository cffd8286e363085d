"""Graceful shutdown of the calls both adapters serve, gRPC and REST alike.

Before the listeners close, the reference server calls `CallTracker.drain(grace)`:
new calls are refused with UNAVAILABLE (clients such as armadactl retry those
elsewhere or later), every watch stream ends at once with UNAVAILABLE as its last
message, and the calls still running (unary ones, and streams writing their end)
get up to `grace` seconds to finish. Being transport-neutral, the refusal is the
core's `Unavailable`; each adapter renders it as it renders any other error.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager

import anyio

from armada_core.errors import Unavailable

logger = logging.getLogger(__name__)

SHUTTING_DOWN = "server is shutting down"


class CallTracker:
    """Counts running calls and holds the cancel scopes of open streams."""

    def __init__(self) -> None:
        self._closing = False
        self._running = 0
        self._idle: anyio.Event | None = None
        self._streams: set[anyio.CancelScope] = set()

    @property
    def closing(self) -> bool:
        """Whether `drain` has begun."""
        return self._closing

    @property
    def open_streams(self) -> int:
        """How many streams are relaying messages now."""
        return len(self._streams)

    def refuse_if_closing(self) -> None:
        """`Unavailable` once draining has begun."""
        if self._closing:
            raise Unavailable(SHUTTING_DOWN)

    @contextmanager
    def call(self) -> Iterator[None]:
        """Count a call (unary or stream) while it runs; `drain` waits for it."""
        self._running += 1
        try:
            yield
        finally:
            self._running -= 1
            if self._running == 0 and self._idle is not None:
                self._idle.set()

    @contextmanager
    def stream(self) -> Iterator[None]:
        """Relay a stream's messages in this block; `drain` ends it with `Unavailable`.

        A stream opened while draining ends at once, so none slips past `drain`.
        """
        with anyio.CancelScope() as scope:
            self._streams.add(scope)
            if self._closing:
                scope.cancel()
            try:
                yield
            finally:
                self._streams.discard(scope)
        if scope.cancelled_caught:
            raise Unavailable(SHUTTING_DOWN)

    async def drain(self, grace: float) -> bool:
        """Refuse new calls, end streams, wait up to `grace` s for running calls.

        Returns whether every call finished in time.
        """
        self._closing = True
        for scope in list(self._streams):
            scope.cancel()
        if self._running == 0:
            return True
        self._idle = anyio.Event()
        with anyio.move_on_after(grace if math.isfinite(grace) else None):
            await self._idle.wait()
            return True
        logger.warning("%d call(s) still running after %.1f s; cancelling", self._running, grace)
        return False

"""Graceful shutdown of the calls our handlers serve.

`grpclib.server.Server.close()` cancels every running call at once. Before that, the
reference server calls `CallTracker.drain(grace)`: new calls are refused with
UNAVAILABLE (clients such as armadactl retry those elsewhere or later), watch streams
are ended with UNAVAILABLE, and unary calls already running get up to `grace`
seconds to finish.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager

import anyio
from grpclib.const import Status
from grpclib.exceptions import GRPCError

logger = logging.getLogger(__name__)

SHUTTING_DOWN = "server is shutting down"


class CallTracker:
    """Counts running unary calls and holds the cancel scopes of open streams."""

    def __init__(self) -> None:
        self._closing = False
        self._unary = 0
        self._idle: anyio.Event | None = None
        self._streams: set[anyio.CancelScope] = set()

    @property
    def closing(self) -> bool:
        """Whether `drain` has begun."""
        return self._closing

    @property
    def open_streams(self) -> int:
        """How many server streams are open now."""
        return len(self._streams)

    def refuse_if_closing(self) -> None:
        """UNAVAILABLE once draining has begun."""
        if self._closing:
            raise GRPCError(Status.UNAVAILABLE, SHUTTING_DOWN)

    @contextmanager
    def unary_call(self) -> Iterator[None]:
        """Count a unary call while it runs."""
        self._unary += 1
        try:
            yield
        finally:
            self._unary -= 1
            if self._unary == 0 and self._idle is not None:
                self._idle.set()

    @contextmanager
    def stream_call(self) -> Iterator[anyio.CancelScope]:
        """A cancel scope that `drain` cancels; check `cancelled_caught` afterwards."""
        with anyio.CancelScope() as scope:
            self._streams.add(scope)
            try:
                yield scope
            finally:
                self._streams.discard(scope)

    async def drain(self, grace: float) -> bool:
        """Refuse new calls, end streams, wait up to `grace` s for unary calls.

        Returns whether every unary call finished in time.
        """
        self._closing = True
        for scope in list(self._streams):
            scope.cancel()
        if self._unary == 0:
            return True
        self._idle = anyio.Event()
        with anyio.move_on_after(grace if math.isfinite(grace) else None):
            await self._idle.wait()
            return True
        logger.warning("%d call(s) still running after %.1f s; cancelling", self._unary, grace)
        return False

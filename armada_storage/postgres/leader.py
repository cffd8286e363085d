"""Scheduling leadership among server processes sharing one schema (decision E5).

One process at a time holds a session-level advisory lock keyed by the schema, on a
connection kept for the purpose; it schedules while it holds it. The others try to
take it at every cycle, so when the leader's connection dies (process gone, network
cut), PostgreSQL releases the lock and the next process to try becomes leader.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import anyio
import psycopg

from armada_storage.postgres.pool import Connection, close_quietly

logger = logging.getLogger(__name__)

# Not the migration lock's class: a leader's session lock must never block a migration.
_LEADER_CLASS = 0x41524D53  # "ARMS"
_TRY_LOCK = "SELECT pg_try_advisory_lock(%s, hashtext(current_schema()))"


class Leadership:
    """Whether this process is the scheduling leader; becomes it when the lock is free."""

    def __init__(self, connect: Callable[[], Awaitable[Connection]]) -> None:
        self._connect = connect
        self._conn: Connection | None = None
        self._leader = False
        self._lock = anyio.Lock()

    async def held(self) -> bool:
        """True while this process holds the lock (checked on its connection)."""
        async with self._lock:
            try:
                return await self._check()
            except psycopg.Error as exc:
                logger.warning("scheduling leadership lost or not taken: %s", exc)
                await self._drop()
                return False

    async def _check(self) -> bool:
        if self._conn is None:
            self._conn = await self._connect()
        if self._leader:
            await self._conn.execute("SELECT 1")  # the lock lives as long as the session
            return True
        cursor = await self._conn.execute(_TRY_LOCK, (_LEADER_CLASS,))
        row = await cursor.fetchone()
        self._leader = bool(row and row[0])
        if self._leader:
            logger.info("this process is now the scheduling leader")
        return self._leader

    async def _drop(self) -> None:
        conn, self._conn, self._leader = self._conn, None, False
        if conn is not None:
            await close_quietly(conn)

    async def aclose(self) -> None:
        """Release the lock (by closing its connection)."""
        async with self._lock:
            await self._drop()

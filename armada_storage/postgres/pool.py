"""A small pool of psycopg async connections, and the one place driver errors map.

`psycopg_pool` is not a dependency: the storage needs only a bounded set of
autocommit connections, opened on demand and reused. A connection that broke, or whose
caller was cancelled mid-query (its protocol state is unknown), is closed rather than
reused; a broken one also drops the idle ones, which a server restart has broken too.
An idle connection with bytes to read was closed by the server (a restart, an
administrator, an idle timeout: it sends a FATAL message and hangs up), so it is
replaced before use instead of failing the call; a non-blocking poll costs no round trip.
Every `psycopg.Error` that escapes a call becomes `Unavailable`: callers never see the
driver; a deadlock the server broke becomes `Conflict` (the use case may retry).
"""

from __future__ import annotations

import logging
import select
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeAlias, TypeVar

import anyio
import psycopg
import psycopg.errors
from psycopg import sql
from psycopg.rows import TupleRow

from armada_core.errors import Conflict, Unavailable
from armada_storage.postgres.settings import PostgresSettings

logger = logging.getLogger(__name__)

Connection: TypeAlias = psycopg.AsyncConnection[TupleRow]
T = TypeVar("T")


async def connect(settings: PostgresSettings) -> Connection:
    """An autocommit connection whose `search_path` is the configured schema."""
    conn = await psycopg.AsyncConnection.connect(
        settings.dsn, autocommit=True, fallback_application_name="armada-py"
    )
    try:
        if settings.schema is not None:
            await conn.execute(
                sql.SQL("SET search_path TO {}").format(sql.Identifier(settings.schema))
            )
    except BaseException:
        await close_quietly(conn)
        raise
    return conn


async def close_quietly(conn: Connection) -> None:
    """Close `conn`, even from a cancelled task; a close error changes nothing."""
    with anyio.CancelScope(shield=True):
        try:
            await conn.close()
        except psycopg.Error:
            logger.debug("closing a connection failed", exc_info=True)


class Pool:
    """At most `settings.pool_size` connections, one per concurrent call."""

    def __init__(self, settings: PostgresSettings) -> None:
        self._settings = settings
        self._size = settings.pool_size
        self._slots = anyio.Semaphore(settings.pool_size)
        self._idle: list[Connection] = []
        self._closed = False

    async def run(self, work: Callable[..., Awaitable[T]], *args: Any) -> T:
        """`await work(conn, *args)` on a pooled connection; driver errors → `Unavailable`."""
        try:
            async with self._connection() as conn:
                return await work(conn, *args)
        except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure) as exc:
            raise Conflict(f"a concurrent write won: {exc}") from None
        except psycopg.Error as exc:
            logger.warning("a database call failed: %s", exc)
            raise Unavailable(f"the database failed: {exc}") from None

    async def aclose(self) -> None:
        """Refuse new calls, wait for those in flight, close every connection."""
        if self._closed:
            return
        self._closed = True
        for _ in range(self._size):
            await self._slots.acquire()  # every slot back: nothing in flight
        await self._drop_idle()

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[Connection]:
        self._check_open()
        async with self._slots:
            self._check_open()
            conn = await self._take()
            try:
                yield conn
            except Exception:
                await self._give_back(conn)
                raise
            except BaseException:
                await close_quietly(conn)  # cancelled mid-protocol: unusable
                raise
            await self._give_back(conn)

    async def _take(self) -> Connection:
        while self._idle:
            conn = self._idle.pop()  # the most recently used: likely in the server's caches
            if _quiet(conn):
                return conn
            await close_quietly(conn)
        return await self._connect()

    async def _connect(self) -> Connection:
        try:
            return await connect(self._settings)
        except psycopg.OperationalError as exc:
            raise Unavailable(f"cannot connect to the database: {exc}") from None

    async def _give_back(self, conn: Connection) -> None:
        usable = (
            not conn.broken and conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        )
        if usable and not self._closed:
            self._idle.append(conn)
            return
        await close_quietly(conn)
        if conn.broken:
            await self._drop_idle()

    async def _drop_idle(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            await close_quietly(conn)

    def _check_open(self) -> None:
        if self._closed:
            raise Unavailable("storage is closed")


def _quiet(conn: Connection) -> bool:
    """Whether an idle connection is still open with nothing unasked to read."""
    if conn.closed or conn.broken:
        return False
    readable, _, _ = select.select([conn.fileno()], [], [], 0)
    return not readable

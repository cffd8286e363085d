"""Wake-ups across processes: NOTIFY on commit, one LISTEN connection per storage.

A write sends `NOTIFY armada_events, '<queue>\\x1f<job_set_id>'` inside its
transaction, so PostgreSQL delivers it on commit, to every listening process (this one
included) and only once the commit is visible to readers. The `Listener` task turns each
notification into `LocalChangeFeed.notify`. A payload without the separator (a job set
name too long for NOTIFY) wakes every follower.

When the LISTEN connection is lost, notifications sent meanwhile are lost with it: after
reconnecting and listening again, the listener wakes *every* follower, which re-reads
after its last id, so nothing is missed. A silent network failure shows up at the
heartbeat query that runs whenever no notification came for `HEARTBEAT_S`: no answer
within `HEARTBEAT_TIMEOUT_S` counts as a lost connection.

Queue writes send `NOTIFY armada_queues` the same way; on it the listener empties the
storage's queue cache, and while it is not listening (start, lost connection) the
cache keeps nothing, so a queue changed by another process is seen once its commit
notification has arrived (milliseconds).

The task is an asyncio task: psycopg's async connections run on asyncio only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import anyio
import psycopg

from armada_storage.feed import LocalChangeFeed
from armada_storage.postgres.pool import Connection, close_quietly
from armada_storage.queue_cache import QueueCache

logger = logging.getLogger(__name__)

CHANNEL = "armada_events"
QUEUES_CHANNEL = "armada_queues"
SEPARATOR = "\x1f"
MAX_PAYLOAD = 7999  # bytes PostgreSQL accepts in a NOTIFY payload
HEARTBEAT_S = 30.0
HEARTBEAT_TIMEOUT_S = 10.0  # a heartbeat slower than this counts as a lost connection
RETRY_S = (0.05, 0.2, 1.0, 5.0)  # waits between reconnection attempts, the last repeats


def payload(queue: str, job_set_id: str) -> str:
    """The NOTIFY payload naming a job set; empty (wake everyone) if it would not fit."""
    text = f"{queue}{SEPARATOR}{job_set_id}"
    return text if len(text.encode()) <= MAX_PAYLOAD else ""


class SharedChangeFeed(LocalChangeFeed):
    """`LocalChangeFeed` fed by NOTIFY payloads."""

    def notify_payload(self, text: str) -> None:
        """Wake the followers a NOTIFY payload names."""
        queue, separator, job_set_id = text.partition(SEPARATOR)
        if separator:
            self.notify(queue, job_set_id)
        else:
            self.notify_all()


class Listener:
    """Feeds `feed` from one LISTEN connection, reconnecting until closed."""

    def __init__(
        self,
        connect: Callable[[], Awaitable[Connection]],
        feed: SharedChangeFeed,
        queues: QueueCache | None = None,
    ) -> None:
        self._connect = connect
        self._feed = feed
        self._queues = queues or QueueCache()
        self._task: asyncio.Task[None] | None = None
        self.backend_pid = 0  # the server process of the LISTEN connection (diagnostics)

    async def start(self) -> None:
        """Listen now (failing if the database cannot be reached), then in the background."""
        conn = await self._listen()
        self._task = asyncio.create_task(self._run(conn), name="armada-postgres-listener")

    async def aclose(self) -> None:
        """Stop listening and close the connection."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _listen(self) -> Connection:
        conn = await self._connect()
        try:
            await conn.execute(f"LISTEN {CHANNEL}")
            await conn.execute(f"LISTEN {QUEUES_CHANNEL}")
        except BaseException:
            await close_quietly(conn)
            raise
        self.backend_pid = conn.info.backend_pid
        self._queues.resume()
        return conn

    async def _run(self, conn: Connection) -> None:
        try:
            while True:
                try:
                    await self._receive(conn)
                except (psycopg.Error, TimeoutError) as exc:
                    logger.warning("lost the LISTEN connection (%r); reconnecting", exc)
                except Exception:  # the task's top: dying would leave followers asleep
                    logger.exception("the listener failed; reconnecting")
                self._queues.suspend()
                await close_quietly(conn)
                conn = await self._reconnect()
                self._feed.notify_all()  # whatever was sent meanwhile: followers re-read
        finally:
            await close_quietly(conn)

    async def _receive(self, conn: Connection) -> None:
        while True:
            async for notify in conn.notifies(timeout=HEARTBEAT_S):
                if notify.channel == QUEUES_CHANNEL:
                    self._queues.forget()
                else:
                    self._feed.notify_payload(notify.payload)
            with anyio.fail_after(HEARTBEAT_TIMEOUT_S):
                await conn.execute("SELECT 1")  # a dead peer fails or stays silent here

    async def _reconnect(self) -> Connection:
        attempt = 0
        while True:
            try:
                conn = await self._listen()
            except psycopg.Error as exc:
                delay = RETRY_S[min(attempt, len(RETRY_S) - 1)]
                logger.warning("cannot LISTEN (%s); retrying in %.2f s", exc, delay)
                await anyio.sleep(delay)
                attempt += 1
                continue
            logger.info("listening for appends again")
            return conn

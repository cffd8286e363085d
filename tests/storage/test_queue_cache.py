"""The queue cache of a storage that is its queues' only writer (SQLite)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest
from storage_helpers import count_queue_reads

from armada_core.queues import Queue
from armada_core.retry.policy import RetryPolicy
from armada_storage.queue_cache import QueueCache
from armada_storage.sqlite import SqliteStorage

pytestmark = pytest.mark.anyio


async def test_a_read_that_overlaps_a_write_is_returned_but_not_kept() -> None:
    cache = QueueCache()
    reading, written = anyio.Event(), anyio.Event()

    async def slow_read(name: str) -> Queue:
        reading.set()
        await written.wait()
        return Queue(name, 1.0)  # what the read saw before the write

    async def write() -> None:
        await reading.wait()
        await cache.forgetting(anyio.sleep(0))
        written.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(write)
        assert await cache.get("q", slow_read) == Queue("q", 1.0)

    async def fresh(name: str) -> Queue:
        return Queue(name, 2.0)

    assert await cache.get("q", fresh) == Queue("q", 2.0)


async def test_missing_queues_are_not_kept() -> None:
    cache = QueueCache()
    answers: list[Queue | None] = [None, Queue("q", 1.0)]

    async def read(name: str) -> Queue | None:
        return answers.pop(0)

    assert await cache.get("q", read) is None
    assert await cache.get("q", read) == Queue("q", 1.0)


@pytest.fixture
async def storage(tmp_path: Path) -> Any:
    storage = await SqliteStorage.open(tmp_path / "a.db", synchronous="NORMAL")
    yield storage
    await storage.aclose()


async def test_a_known_queue_is_served_without_a_read(
    storage: SqliteStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    await storage.upsert_queue(Queue("q", 1.0))
    reads = count_queue_reads(storage, monkeypatch)
    for _ in range(3):
        assert await storage.get_queue("q") == Queue("q", 1.0)
    assert reads == ["q"]


async def test_every_queue_write_is_seen_at_once(storage: SqliteStorage) -> None:
    await storage.upsert_retry_policy(RetryPolicy(name="p"))
    await storage.upsert_queue(Queue("q", 1.0, retry_policies=("p",)))
    assert await storage.get_queue("q") == Queue("q", 1.0, retry_policies=("p",))
    await storage.upsert_queue(Queue("q", 2.0, retry_policies=("p",)))
    assert await storage.get_queue("q") == Queue("q", 2.0, retry_policies=("p",))
    assert await storage.update_queue(Queue("q", 3.0, retry_policies=("p",)))
    assert await storage.get_queue("q") == Queue("q", 3.0, retry_policies=("p",))
    assert await storage.delete_retry_policy("p") == ["q"]
    assert await storage.get_queue("q") == Queue("q", 3.0)
    await storage.delete_queue("q")
    assert await storage.get_queue("q") is None

"""The storage contract of executor settings (api.Executor, migration 8) and of a
submission rejected in its own write, against every backend."""

from __future__ import annotations

import pytest
from storage_helpers import make_job, submit_append

from armada_core.events import Event, EventKind
from armada_core.executors import Executor, ExecutorSettings, NodeSnapshot
from armada_core.jobs import JobChange, JobState
from armada_core.ports import Append, Storage
from armada_core.queues import Queue

pytestmark = pytest.mark.anyio


def cordon(executor_id: str, reason: str = "maintenance", at_ns: int = 5) -> ExecutorSettings:
    return ExecutorSettings(executor_id, True, reason, "alice", at_ns)


async def test_settings_round_trip_sorted_and_upsert_replaces(storage: Storage) -> None:
    assert await storage.list_executor_settings() == []
    for name in ("b", "a", "c"):
        await storage.upsert_executor_settings(cordon(name))
    await storage.upsert_executor_settings(ExecutorSettings("b", False, "", "bob", 9))
    assert await storage.list_executor_settings() == [
        cordon("a"),
        ExecutorSettings("b", False, "", "bob", 9),
        cordon("c"),
    ]


async def test_settings_keep_every_field(storage: Storage) -> None:
    settings = ExecutorSettings("ex-ü", True, "disk ☃ full", "böb", 2**62)
    await storage.upsert_executor_settings(settings)
    [stored] = await storage.list_executor_settings()
    assert stored == settings and stored.cordoned is True


async def test_deleting_settings_removes_only_that_executor(storage: Storage) -> None:
    await storage.upsert_executor_settings(cordon("a"))
    await storage.upsert_executor_settings(cordon("b"))
    await storage.delete_executor_settings("a")
    await storage.delete_executor_settings("missing")
    assert await storage.list_executor_settings() == [cordon("b")]


async def test_deleting_an_executor_forgets_its_snapshot_not_its_settings(
    storage: Storage,
) -> None:
    for name in ("ex-1", "ex-2"):
        await storage.upsert_executor(Executor(name, "cpu", 1, (NodeSnapshot("n"),)))
    await storage.upsert_executor_settings(cordon("ex-1"))
    await storage.delete_executor("ex-1")
    await storage.delete_executor("missing")
    assert [e.id for e in await storage.list_executors()] == ["ex-2"]
    assert await storage.list_executor_settings() == [cordon("ex-1")]
    await storage.upsert_executor(Executor("ex-1", "cpu", 2))
    assert [e.id for e in await storage.list_executors()] == ["ex-1", "ex-2"]


async def test_a_job_inserted_and_rejected_in_one_write(storage: Storage) -> None:
    """What the submit check writes: the new job, then its change to REJECTED."""
    await storage.upsert_queue(Queue("q", 1.0))
    kept, rejected = make_job(), make_job()
    failed = Event(EventKind.FAILED, rejected.id, 1, {"reason": "too big", "cause": 4})
    base = submit_append([kept, rejected])
    append = Append(base.queue, base.job_set_id, (*base.events, failed))
    change = JobChange(rejected.id, JobState.QUEUED, JobState.REJECTED, 1, error="too big")
    await storage.write(at_ms=1, jobs=[kept, rejected], changes=[change], appends=[append])
    records = await storage.get_jobs([kept.id, rejected.id])
    assert records[kept.id].state is JobState.QUEUED
    assert records[rejected.id].state is JobState.REJECTED
    assert records[rejected.id].error == "too big"
    events = await storage.read_events("q", "js", None, 10)
    assert [e.event.kind for e in events][-1] is EventKind.FAILED
    assert [r.job.id for r in await storage.jobs_in_queue("q", [JobState.QUEUED])] == [kept.id]

"""The `Storage` contract, census part: what the metrics timer reads.

`job_counts` counts active jobs per queue and state; `queued_jobs` groups the queued
ones by priority class and requests, with the time each entered QUEUED.
"""

from __future__ import annotations

import pytest
from storage_helpers import make_job, pod_spec, submit_append

from armada_core.census import JobCount
from armada_core.jobs import JobChange, JobState, ResourceRequirements
from armada_core.ports import Storage
from armada_core.queues import Queue

pytestmark = pytest.mark.anyio

S = JobState


async def _submit(storage: Storage, *jobs) -> None:
    await storage.write(at_ms=1000, jobs=jobs, appends=[submit_append(jobs)])


def _job(queue: str, priority_class: str = "", cpu: str = "100m", **kw):
    spec = {**pod_spec(), **({"priorityClassName": priority_class} if priority_class else {})}
    requests = ResourceRequirements({"cpu": cpu, "memory": "1Gi"}, {})
    return make_job(queue=queue, pod_spec=spec, scheduling_resource_requirements=requests, **kw)


async def test_job_counts_per_queue_and_active_state(storage: Storage) -> None:
    for name in ("a", "b", "empty"):
        await storage.upsert_queue(Queue(name=name, priority_factor=1.0))
    a_jobs = [_job("a") for _ in range(4)]
    await _submit(storage, *a_jobs)
    await _submit(storage, _job("b"))
    running = JobChange(a_jobs[0].id, S.QUEUED, S.RUNNING, 5)
    cancelled = JobChange(a_jobs[1].id, S.QUEUED, S.CANCELLED, 5)
    await storage.write(at_ms=2000, changes=[running, cancelled])
    counts = sorted(await storage.job_counts(), key=lambda c: (c.queue, c.state))
    assert counts == [
        JobCount("a", S.QUEUED, 2),
        JobCount("a", S.RUNNING, 1),
        JobCount("b", S.QUEUED, 1),
    ]


async def test_queued_jobs_grouped_by_priority_class_and_requests(storage: Storage) -> None:
    await storage.upsert_queue(Queue(name="q", priority_factor=1.0))
    jobs = [_job("q", "high"), _job("q", "high"), _job("q", "", cpu="2"), _job("q", "high")]
    await _submit(storage, *jobs)
    leased = JobChange(jobs[3].id, S.QUEUED, S.LEASED, 5)
    await storage.write(at_ms=2000, changes=[leased])
    groups = sorted(await storage.queued_jobs(), key=lambda g: g.priority_class)
    assert [(g.queue, g.priority_class, dict(g.requests)) for g in groups] == [
        ("q", "", {"cpu": "2", "memory": "1Gi"}),
        ("q", "high", {"cpu": "100m", "memory": "1Gi"}),
    ]
    assert [len(g.queued_since_ns) for g in groups] == [1, 2]
    assert all(since > 0 for g in groups for since in g.queued_since_ns)


async def test_census_of_an_empty_store(storage: Storage) -> None:
    assert await storage.job_counts() == []
    assert await storage.queued_jobs() == []

"""api.Jobs queries and GetQueueInfo (spec §8, §4.6, decision 9)."""

from __future__ import annotations

import pytest
from core_support import ADMIN, ALICE, BOB, JOB_SET, QUEUE, item, make_queue, submit

from armada_core.commands import CancelJobs, SubmitJobs
from armada_core.errors import InvalidArgument, NotFound, PermissionDenied
from armada_core.jobs import JobChange, JobSetActivity, JobState
from armada_core.queues import QueuePermission, Subject
from armada_core.runs import Run
from armada_core.service import ArmadaService
from armada_storage.memory import MemoryStorage

pytestmark = pytest.mark.anyio


async def _lease(storage: MemoryStorage, job_id: str, state: JobState = JobState.RUNNING) -> None:
    """Stand in for the scheduler: the job in `state`, with a run in the default pool."""
    run = Run(f"run-{job_id}", job_id, "cluster", "node", "default", 1000, 1)
    await storage.write(at_ms=1, changes=[JobChange(job_id, JobState.QUEUED, state, 1)], runs=[run])


async def test_job_status_answers_every_id(service: ArmadaService) -> None:
    await make_queue(service)
    ids = await service.submit_jobs(ADMIN, submit(2))
    await service.cancel_jobs(ADMIN, CancelJobs(QUEUE, JOB_SET, (ids[1],)))
    assert await service.job_status(BOB, [*ids, "nope"]) == {
        ids[0]: JobState.QUEUED,
        ids[1]: JobState.CANCELLED,
        "nope": JobState.UNKNOWN,
    }


async def test_id_queries_are_capped(service: ArmadaService) -> None:
    ids = [f"id{i}" for i in range(service.config.max_query_items)]
    assert len(await service.job_status(BOB, ids)) == len(ids)
    too_many = [*ids, "one-more"]
    with pytest.raises(InvalidArgument, match="at most 500"):
        await service.job_status(BOB, too_many)
    with pytest.raises(InvalidArgument):
        await service.job_details(BOB, too_many, expand_job_spec=False, expand_job_run=False)
    with pytest.raises(InvalidArgument):
        await service.job_errors(BOB, too_many)
    with pytest.raises(InvalidArgument):
        await service.job_run_details(BOB, too_many)


async def test_status_by_external_uri(service: ArmadaService) -> None:
    await make_queue(service)
    items = (item(external_job_uri="u1"), item(external_job_uri="u2"), item())
    ids = await service.submit_jobs(ADMIN, SubmitJobs(QUEUE, JOB_SET, items))
    assert await service.job_status_by_external_uri(BOB, QUEUE, JOB_SET, "u1") == {
        ids[0]: JobState.QUEUED
    }
    assert await service.job_status_by_external_uri(BOB, QUEUE, "other", "u1") == {}
    with pytest.raises(InvalidArgument):
        await service.job_status_by_external_uri(BOB, QUEUE, JOB_SET, "")


async def test_details_and_errors_leave_out_unknown_ids(service: ArmadaService) -> None:
    await make_queue(service)
    ids = await service.submit_jobs(ADMIN, submit(1))
    details = await service.job_details(
        BOB, [*ids, "nope"], expand_job_spec=True, expand_job_run=False
    )
    assert list(details) == ids
    assert details[ids[0]].record.job.id == ids[0]
    assert (details[ids[0]].expand_job_spec, details[ids[0]].expand_job_run) == (True, False)
    assert await service.job_errors(BOB, [*ids, "nope"]) == {ids[0]: ""}
    assert await service.job_run_details(BOB, ["run-1"]) == {}


async def test_active_queues(service: ArmadaService, storage: MemoryStorage) -> None:
    await make_queue(service, "a")
    await make_queue(service, "b")
    await make_queue(service, "c")
    a = await service.submit_jobs(ADMIN, submit(1, queue="a"))
    await service.submit_jobs(ADMIN, submit(1, queue="b"))
    assert await service.active_queues(BOB) == {}  # queued jobs have no run
    c = await service.submit_jobs(ADMIN, submit(1, queue="c"))
    await _lease(storage, a[0], JobState.PENDING)
    await _lease(storage, c[0], JobState.LEASED)
    assert await service.active_queues(BOB) == {"default": ["a", "c"]}


async def test_queue_info(service: ArmadaService, storage: MemoryStorage) -> None:
    verb = QueuePermission((Subject("User", "alice"),), ("watch",))
    await make_queue(service, permissions=(verb,))
    assert (await service.queue_info(ALICE, QUEUE)).active_job_sets == ()
    ids = await service.submit_jobs(ADMIN, submit(3, job_set="z"))
    await service.submit_jobs(ADMIN, submit(1, job_set="a"))
    await _lease(storage, ids[0])
    await service.cancel_jobs(ADMIN, CancelJobs(QUEUE, "z", (ids[1],)))
    info = await service.queue_info(ALICE, QUEUE)
    assert info.name == QUEUE
    assert info.active_job_sets == (JobSetActivity("a", 1, 0), JobSetActivity("z", 1, 1))


async def test_queue_info_checks(service: ArmadaService) -> None:
    with pytest.raises(NotFound, match="Queue q does not exist"):
        await service.queue_info(BOB, QUEUE)
    await make_queue(service)
    with pytest.raises(PermissionDenied, match="watch_all_events"):
        await service.queue_info(BOB, QUEUE)

"""The `Storage` contract, browsing: keyset pages, filters, orders and groups.

Every backend must give the memory reference's answers (`armada_core.browse`).
"""

from __future__ import annotations

import pytest
from storage_helpers import make_job, submit_append

from armada_core.browse import (
    GroupField,
    JobFilter,
    JobOrder,
    JobQuery,
    PagePosition,
)
from armada_core.jobs import JobChange, JobState
from armada_core.ports import Storage

pytestmark = pytest.mark.anyio
S = JobState


async def seed(storage: Storage) -> list[str]:
    """Nine jobs over two queues and three job sets, in submission order; some change."""
    ids = []
    for i, (queue, job_set) in enumerate(
        [("a", "s1"), ("a", "s1"), ("b", "s2"), ("a", "s3"), ("b", "s2")] * 2
    ):
        job = make_job(
            queue,
            job_set,
            created_ns=1_000 + i,
            labels={"app": f"x{i % 2}"},
            annotations={"team": "<b>ml</b>" if i == 3 else "ops"},
        )
        await storage.write(at_ms=1000 + i, jobs=[job], appends=[submit_append([job])])
        ids.append(job.id)
    await storage.write(
        at_ms=2000,
        changes=[
            JobChange(ids[1], S.QUEUED, S.CANCELLED, 5_000),
            JobChange(ids[2], S.QUEUED, S.RUNNING, 4_000),
            JobChange(ids[7], S.QUEUED, S.RUNNING, 6_000),
        ],
    )
    return ids


async def all_pages(storage: Storage, query: JobQuery) -> list[list[str]]:
    pages = []
    while True:
        page = await storage.browse_jobs(query)
        pages.append([r.job.id for r in page.jobs])
        if page.next is None:
            return pages
        query = JobQuery(query.filter, query.order, query.descending, page.next, query.limit)


async def test_pages_walk_submission_order_newest_first(storage: Storage) -> None:
    ids = await seed(storage)
    pages = await all_pages(storage, JobQuery(limit=4))
    assert pages == [ids[9:5:-1], ids[5:1:-1], ids[1::-1]]


async def test_an_exact_last_page_has_no_next(storage: Storage) -> None:
    ids = await seed(storage)
    page = await storage.browse_jobs(JobQuery(limit=10))
    assert [r.job.id for r in page.jobs] == ids[::-1]
    assert page.next is None


async def test_ascending_pages(storage: Storage) -> None:
    ids = await seed(storage)
    assert await all_pages(storage, JobQuery(descending=False, limit=6)) == [ids[:6], ids[6:]]


async def test_filters_queue_and_state(storage: Storage) -> None:
    ids = await seed(storage)
    only = JobFilter(queue="b", states=frozenset({S.QUEUED}))
    assert await all_pages(storage, JobQuery(only, limit=2)) == [[ids[9], ids[4]]]
    several = JobFilter(queue="b", states=frozenset({S.QUEUED, S.RUNNING}))
    pages = await all_pages(storage, JobQuery(several, limit=2))
    assert pages == [[ids[9], ids[7]], [ids[4], ids[2]]]


async def test_filters_job_set_exact_and_prefix_job_id_pairs_time(storage: Storage) -> None:
    ids = await seed(storage)

    async def found(**kw) -> list[str]:
        return [r.job.id for r in (await storage.browse_jobs(JobQuery(JobFilter(**kw)))).jobs]

    assert await found(queue="a", job_set_id="s1") == [ids[6], ids[5], ids[1], ids[0]]
    assert await found(job_set_id="s", job_set_prefix=True) == ids[::-1]
    assert await found(job_set_id="s", job_set_prefix=False) == []
    assert await found(job_id=ids[3]) == [ids[3]]
    assert await found(labels=(("app", "x1"),)) == ids[9::-2]
    assert await found(labels=(("app", "x1"), ("nope", "x1"))) == []
    assert await found(annotations=(("team", "<b>ml</b>"),)) == [ids[3]]
    assert await found(submitted_from_ns=1_002, submitted_to_ns=1_004) == [ids[3], ids[2]]


@pytest.mark.parametrize(
    ("order", "key"),
    [
        (JobOrder.JOB_ID, lambda r: r.job.id),
        (JobOrder.QUEUE, lambda r: r.job.queue),
        (JobOrder.JOB_SET, lambda r: r.job.job_set_id),
        (JobOrder.STATE, lambda r: int(r.state)),
        (JobOrder.LAST_TRANSITION, lambda r: r.last_transition_ns),
    ],
)
async def test_every_order_pages_without_gaps_or_repeats(storage: Storage, order, key) -> None:
    ids = await seed(storage)
    records = await storage.get_jobs(ids)
    seq = {job_id: n for n, job_id in enumerate(ids)}
    for descending in (True, False):
        expected = sorted(ids, key=lambda j: (key(records[j]), seq[j]), reverse=descending)
        pages = await all_pages(storage, JobQuery(order=order, descending=descending, limit=3))
        assert [j for page in pages for j in page] == expected


async def test_a_position_from_a_page_resumes_after_it(storage: Storage) -> None:
    ids = await seed(storage)
    first = await storage.browse_jobs(JobQuery(order=JobOrder.QUEUE, limit=2))
    assert first.next == PagePosition("b", first.next.seq)
    rest = await storage.browse_jobs(JobQuery(order=JobOrder.QUEUE, after=first.next, limit=1))
    assert [r.job.id for r in rest.jobs] == [ids[4]]


async def test_groups_count_per_state(storage: Storage) -> None:
    await seed(storage)
    by_queue = await storage.group_jobs(JobFilter(), GroupField.QUEUE)
    assert [(g.name, g.count, dict(g.counts)) for g in by_queue] == [
        ("a", 6, {S.QUEUED: 5, S.CANCELLED: 1}),
        ("b", 4, {S.QUEUED: 2, S.RUNNING: 2}),
    ]
    by_set = await storage.group_jobs(JobFilter(queue="a"), GroupField.JOB_SET)
    assert [(g.queue, g.name, g.count) for g in by_set] == [("a", "s1", 4), ("a", "s3", 2)]
    by_state = await storage.group_jobs(JobFilter(), GroupField.STATE)
    assert [(g.name, g.count) for g in by_state] == [
        ("QUEUED", 7),
        ("RUNNING", 2),
        ("CANCELLED", 1),
    ]
    running = JobFilter(states=frozenset({S.RUNNING}))
    assert [g.name for g in await storage.group_jobs(running, GroupField.QUEUE)] == ["b"]

"""The `Storage` contract, client ids under concurrency: each key is recorded once.

Concurrent writes recording the same `(queue, client_id)` keys: exactly one write
per key wins, every other write fails whole with `ClientIdsTaken` naming the winner's
job, and no job or event of a losing write is stored. PostgreSQL runs the writers on
two storage instances (two pools, as two server processes would) on one schema.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import anyio
import pytest
from storage_helpers import POSTGRES_DSN, DropSchemaOnClose, fresh_schema, make_job, submit_append

from armada_core.errors import ClientIdsTaken
from armada_core.jobs import Job, JobState
from armada_core.ports import Storage
from armada_storage.registry import open_storage

pytestmark = pytest.mark.anyio

WRITERS = 8
KEYS = 100


async def _race(stores: Sequence[Storage], batches: list[list[Job]]) -> dict[int, object]:
    """Write every batch concurrently (batch i on store i % len); outcome per batch."""
    outcomes: dict[int, object] = {}

    async def write(index: int) -> None:
        store, jobs = stores[index % len(stores)], batches[index]
        try:
            outcomes[index] = await store.write(at_ms=1, jobs=jobs, appends=[submit_append(jobs)])
        except ClientIdsTaken as exc:
            outcomes[index] = exc

    async with anyio.create_task_group() as tg:
        for index in range(len(batches)):
            tg.start_soon(write, index)
    return outcomes


async def _assert_one_winner_per_key(
    store: Storage, batches: list[list[Job]], outcomes: dict[int, object]
) -> None:
    winners = [i for i, o in outcomes.items() if not isinstance(o, ClientIdsTaken)]
    owner: dict[str, Job] = {}
    for i in winners:
        for job in batches[i]:
            assert job.client_id not in owner, "two writes recorded one client id"
            owner[job.client_id] = job
    every_key = {job.client_id for batch in batches for job in batch}
    recorded = await store.find_client_ids("q", every_key)
    assert recorded == {c: job.id for c, job in owner.items()}
    for outcome in outcomes.values():
        if isinstance(outcome, ClientIdsTaken):
            assert outcome.job_ids  # names what it lost to, and that is the winner
            assert all(owner[c].id == j for (_, c), j in outcome.job_ids.items())
    every_id = [job.id for batch in batches for job in batch]
    stored = await store.get_jobs(every_id)
    assert set(stored) == {job.id for job in owner.values()}
    queued = await store.jobs_in_job_set("q", "js", [JobState.QUEUED])
    assert len(queued) == len(owner)
    events = await store.read_events("q", "js", None, 10 * len(every_id))
    assert len(events) == 2 * len(owner)  # submitted + queued of the winners only


def _same_keys() -> list[list[Job]]:
    return [[make_job(client_id=f"c{k}") for k in range(KEYS)] for _ in range(WRITERS)]


def _overlapping_keys(seed: int) -> list[list[Job]]:
    """Random subsets in random order: locks would deadlock unless taken in one order."""
    rng = random.Random(seed)
    batches = []
    for _ in range(WRITERS):
        keys = rng.sample(range(KEYS), KEYS // 2)
        batches.append([make_job(client_id=f"c{k}") for k in keys])
    return batches


async def test_concurrent_writers_of_the_same_client_ids(storage: Storage) -> None:
    batches = _same_keys()
    outcomes = await _race([storage], batches)
    assert sum(not isinstance(o, ClientIdsTaken) for o in outcomes.values()) == 1
    await _assert_one_winner_per_key(storage, batches, outcomes)


async def test_concurrent_writers_of_overlapping_client_ids(storage: Storage) -> None:
    batches = _overlapping_keys(seed=7)
    outcomes = await _race([storage], batches)
    await _assert_one_winner_per_key(storage, batches, outcomes)


@pytest.fixture
async def two_postgres(tmp_path: Path) -> AsyncIterator[list[Storage]]:
    if not POSTGRES_DSN:
        pytest.skip("set ARMADA_TEST_POSTGRES_DSN to run")
    schema = fresh_schema()
    section = {"backend": "postgres", "postgres": {"dsn": POSTGRES_DSN, "schema": schema}}
    first = DropSchemaOnClose(await open_storage(section), schema)
    second = await open_storage(section)
    try:
        yield [first, second]  # type: ignore[list-item]
    finally:
        await second.aclose()
        await first.aclose()


@pytest.mark.postgres
@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_two_postgres_instances_record_each_client_id_once(
    two_postgres: list[Storage], seed: int
) -> None:
    batches = _overlapping_keys(seed) + _same_keys()
    outcomes = await _race(two_postgres, batches)
    await _assert_one_winner_per_key(two_postgres[1], batches, outcomes)

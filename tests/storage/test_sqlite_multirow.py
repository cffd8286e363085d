"""SQLite writes many rows per statement; what that must not change."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from storage_helpers import make_job, submit_append

from armada_core.errors import Conflict
from armada_core.jobs import JobChange, JobState
from armada_storage.sqlite import SqliteStorage
from armada_storage.sqlite.multirow import SIZES, slices

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("count", [0, 1, 15, 16, 17, 1023, 1024, 1025, 2500, 10_000])
def test_slices_cover_every_row_once_in_order(count: int) -> None:
    parts = list(slices(count, 9))
    assert [start for start, _ in parts] == [
        sum(s for _, s in parts[:k]) for k in range(len(parts))
    ]
    assert sum(size for _, size in parts) == count
    assert {size for _, size in parts} <= set(SIZES)
    assert len(parts) <= count // SIZES[0] + sum(a // b for a, b in itertools.pairwise(SIZES))


def test_slices_respect_the_variable_limit() -> None:
    assert max(size for _, size in slices(5000, 40)) * 40 <= 32_766


def change(job_id: str, expected: JobState, state: JobState, at_ns: int = 7) -> JobChange:
    return JobChange(job_id, expected=expected, state=state, at_ns=at_ns)


async def test_thousands_of_changes_apply_and_one_stale_rolls_all_back(tmp_path: Path) -> None:
    storage = await SqliteStorage.open(tmp_path / "a.db", synchronous="NORMAL")
    try:
        jobs = [make_job() for _ in range(2100)]
        await storage.write(at_ms=1, jobs=jobs, appends=[submit_append(jobs)])
        first = [change(j.id, JobState.QUEUED, JobState.CANCELLED) for j in jobs[:1500]]
        await storage.write(at_ms=2, changes=first)
        stale = [change(j.id, JobState.QUEUED, JobState.CANCELLED) for j in jobs[1400:]]
        with pytest.raises(Conflict, match=jobs[1400].id):
            await storage.write(at_ms=3, changes=stale)
        records = await storage.get_jobs([j.id for j in jobs])
        states = [records[j.id].state for j in jobs]
        assert states == [JobState.CANCELLED] * 1500 + [JobState.QUEUED] * 600
    finally:
        await storage.aclose()


async def test_two_changes_of_one_job_in_a_write_apply_in_order(tmp_path: Path) -> None:
    storage = await SqliteStorage.open(tmp_path / "a.db", synchronous="NORMAL")
    try:
        job = make_job()
        await storage.write(at_ms=1, jobs=[job], appends=[submit_append([job])])
        changes = [
            change(job.id, JobState.QUEUED, JobState.LEASED, at_ns=10),
            change(job.id, JobState.LEASED, JobState.QUEUED, at_ns=20),
        ]
        await storage.write(at_ms=2, changes=changes)
        record = (await storage.get_jobs([job.id]))[job.id]
        assert (record.state, record.last_transition_ns) == (JobState.QUEUED, 20)
    finally:
        await storage.aclose()

"""The job browser's indexes (the migration after 3): a database written by the
release before them (commit 1f3820c, `fixtures/make_browse_1f3820c.py`) gains them,
keeps its jobs, and its pages are then found through them, never by sorting matches.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from armada_core.browse import GroupField, JobFilter, JobQuery
from armada_core.jobs import JobState
from armada_storage._browse_sql import SQLITE, page_statement
from armada_storage.sqlite import SqliteStorage
from armada_storage.sqlite.schema import SCHEMA_VERSION

pytestmark = pytest.mark.anyio

FIXTURE = Path(__file__).parent / "fixtures" / "browse-1f3820c.db"
INDEXES = {"jobs_page_by_queue", "jobs_page_by_state", "jobs_page_by_job_set"}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def old_file(tmp_path: Path) -> Path:
    path = tmp_path / "armada.db"
    shutil.copyfile(FIXTURE, path)
    return path


def _query(path: Path, sql: str, params: list[object] | None = None) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, params or []).fetchall()


async def test_the_old_file_gains_the_indexes_and_keeps_its_jobs(old_file: Path) -> None:
    assert _query(old_file, "PRAGMA user_version") == [(3,)]
    storage = await SqliteStorage.open(old_file)
    try:
        page = await storage.browse_jobs(JobQuery(JobFilter(queue="a"), limit=3))
        groups = await storage.group_jobs(JobFilter(), GroupField.QUEUE)
    finally:
        await storage.aclose()
    assert _query(old_file, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    names = {n for (n,) in _query(old_file, "SELECT name FROM sqlite_master WHERE type='index'")}
    assert names >= INDEXES
    newest_of_a = [
        i for (i,) in _query(old_file, "SELECT id FROM jobs WHERE queue='a' ORDER BY n DESC")
    ]
    assert [r.job.id for r in page.jobs] == newest_of_a[:3]
    assert page.next is not None
    assert [(g.name, dict(g.counts)) for g in groups] == [
        ("a", {JobState.QUEUED: 3, JobState.CANCELLED: 2}),
        ("b", {JobState.QUEUED: 2}),
    ]


@pytest.mark.parametrize(
    "filter",
    [
        JobFilter(),
        JobFilter(queue="a", states=frozenset({JobState.QUEUED})),
        JobFilter(queue="a", states=frozenset({JobState.QUEUED, JobState.CANCELLED})),
        JobFilter(states=frozenset({JobState.CANCELLED})),
        JobFilter(queue="a", job_set_id="s1"),
        JobFilter(queue="a", job_set_id="s1", states=frozenset({JobState.QUEUED})),
    ],
)
async def test_pages_walk_an_index_in_order(old_file: Path, filter: JobFilter) -> None:
    storage = await SqliteStorage.open(old_file)
    await storage.aclose()
    sql, params = page_statement(SQLITE, JobQuery(filter))
    steps = [row[-1] for row in _query(old_file, f"EXPLAIN QUERY PLAN {sql}", params)]
    plan = " | ".join(steps)
    # A sort may only follow the scan of one state's branch: at most page size + 1 rows.
    for before, step in zip(["", *steps], steps, strict=False):
        assert "TEMP B-TREE" not in step or before.startswith("SCAN s"), plan
    assert "SEARCH jobs USING" in plan or not (filter.queue or filter.states), plan
    assert "SCAN jobs" not in plan or not (filter.queue or filter.states), plan

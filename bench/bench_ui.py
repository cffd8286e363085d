"""The web UI's jobs table with 1,000,000 jobs in SQLite: first page and filtered page.

Run: `python bench/bench_ui.py [--jobs N] [--db PATH] [--rounds R]`.

Seeding goes through the storage's own write path (`SqliteStorage.write`, batches of
5,000 jobs of 10 queues and 100 job sets, without events: the table never reads the
log), then 10% of the jobs move to RUNNING and 5% to CANCELLED through the same
path. The file is kept at `--db` and reused when it already holds the jobs.

Each view is timed `--rounds` times, p50 and p99, at three levels:
1. ceiling: the raw indexed SQL of the page alone (sqlite3, rows fetched, not decoded);
2. port: `SqliteStorage.browse_jobs` (the reader thread, the SQL, decoding 50 jobs);
3. page: `GET /jobs?...` on the real app in process (auth off, the core, rendering).
Target: p99 ≤ 100 ms for the first page and for queue + state, at level 3.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from armada_adapters.rest import create_app
from armada_adapters.ui.query import encode_position
from armada_core import ArmadaService, PermissionConfig, ServiceConfig
from armada_core.browse import JobFilter, JobQuery, PagePosition
from armada_core.clock import SystemClock
from armada_core.ids import UlidFactory
from armada_core.jobs import Job, JobChange, JobState
from armada_core.kube_pod import KubePodSpec
from armada_storage._browse_sql import SQLITE, page_statement
from armada_storage.sqlite import SqliteStorage

BATCH = 5_000
QUEUES = 10
JOB_SETS = 100
POD = {
    "containers": [
        {
            "name": "main",
            "image": "busybox:1.36",
            "args": ["sleep", "60"],
            "resources": {
                "requests": {"cpu": "1", "memory": "1Gi"},
                "limits": {"cpu": "1", "memory": "1Gi"},
            },
        }
    ],
    "restartPolicy": "Never",
}
VIEWS = {
    "first page (no filter)": ({}, JobFilter()),
    "queue + state RUNNING": (
        {"queue": "q3", "state": "RUNNING"},
        JobFilter(queue="q3", states=frozenset({JobState.RUNNING})),
    ),
    "queue + state QUEUED": (
        {"queue": "q3", "state": "QUEUED"},
        JobFilter(queue="q3", states=frozenset({JobState.QUEUED})),
    ),
    "queue + states QUEUED|RUNNING": (
        {"queue": "q3", "state": ["QUEUED", "RUNNING"]},
        JobFilter(queue="q3", states=frozenset({JobState.QUEUED, JobState.RUNNING})),
    ),
    "job set (exact)": (
        {"queue": "q7", "job_set": "set-57"},
        JobFilter(queue="q7", job_set_id="set-57"),
    ),
}


def job(ids: UlidFactory, n: int, now_ns: int) -> Job:
    return Job(
        id=ids.new_id(),
        queue=f"q{n % QUEUES}",
        job_set_id=f"set-{n % JOB_SETS}",
        namespace="default",
        owner="bench",
        groups=(),
        priority=0,
        created_ns=now_ns,
        spec=KubePodSpec(POD),
        labels={"app": f"a{n % 7}"},
    )


async def seed(path: Path, total: int) -> None:
    storage = await SqliteStorage.open(path, synchronous="NORMAL")
    ids = UlidFactory(SystemClock())
    started = time.perf_counter()
    try:
        have = _count(path)
        for start in range(have, total, BATCH):
            now_ns = time.time_ns()
            batch = [job(ids, n, now_ns) for n in range(start, min(start + BATCH, total))]
            await storage.write(at_ms=now_ns // 1_000_000, jobs=batch)
            changes = [_change(n, j) for n, j in zip(range(start, total), batch, strict=False)]
            await storage.write(at_ms=now_ns // 1_000_000, changes=[c for c in changes if c])
    finally:
        await storage.aclose()
    if _count(path) > have:
        print(f"seeded {total - have:,} jobs in {time.perf_counter() - started:.0f} s")


def _change(n: int, j: Job) -> JobChange | None:
    # By n // 10, not n: n % 10 is the queue, and every queue should have all states.
    if n // 10 % 10 == 3:
        return JobChange(j.id, JobState.QUEUED, JobState.RUNNING, j.created_ns + 1)
    if n // 10 % 20 == 5:
        return JobChange(j.id, JobState.QUEUED, JobState.CANCELLED, j.created_ns + 1)
    return None


def _count(path: Path) -> int:
    if not path.exists():
        return 0
    with sqlite3.connect(path) as conn:
        try:
            return int(conn.execute("SELECT count(*) FROM jobs").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


async def timed(work: Callable[[], Awaitable[object]], rounds: int) -> tuple[float, float]:
    await work()  # warm: caches, compiled templates
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        await work()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


async def measure(path: Path, rounds: int) -> None:
    storage = await SqliteStorage.open(path)
    service = ArmadaService(
        storage, config=ServiceConfig(permissions=PermissionConfig.everyone_may())
    )
    app = create_app(service, None, ui=True)
    raw = sqlite3.connect(path, check_same_thread=False)
    print(f"{_count(path):,} jobs; {rounds} rounds; milliseconds p50 / p99")
    print(f"{'view':32} {'ceiling (raw SQL)':>20} {'port':>16} {'page (HTTP)':>16}")
    views = {name: (params, JobQuery(filter, limit=50)) for name, (params, filter) in VIEWS.items()}
    views["queue + QUEUED, 40,000 rows deep"] = _deep(raw)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://b") as web:
        for name, (params, query) in views.items():
            sql, args = page_statement(SQLITE, query)

            async def ceiling(sql: str = sql, args: list[object] = args) -> object:
                return raw.execute(sql, args).fetchall()

            async def port(query: JobQuery = query) -> object:
                return await storage.browse_jobs(query)

            async def page(params: dict[str, object] = params) -> object:
                response = await web.get("/jobs", params=params)
                assert response.status_code == 200, response.text[:300]
                return response

            figures = [await timed(f, rounds) for f in (ceiling, port, page)]
            cells = "".join(f"{p50:>9.2f} /{p99:>6.2f}" for p50, p99 in figures)
            print(f"{name:32} {cells}")
        overview = await timed(lambda: web.get("/"), max(5, rounds // 10))
        label = "overview (counts of every queue)"
        print(f"{label:32} page p50 {overview[0]:.0f} / p99 {overview[1]:.0f}")
    raw.close()
    await storage.aclose()


def _deep(raw: sqlite3.Connection) -> tuple[dict[str, object], JobQuery]:
    """The page 40,000 rows into queue q3's QUEUED jobs (a position, not an offset)."""
    (n,) = raw.execute(
        "SELECT n FROM jobs WHERE queue = 'q3' AND state = 0 ORDER BY n DESC LIMIT 1 OFFSET 40000"
    ).fetchone()
    after = PagePosition(0, n)
    filter = JobFilter(queue="q3", states=frozenset({JobState.QUEUED}))
    params = {"queue": "q3", "state": "QUEUED", "after": encode_position(after)}
    return params, JobQuery(filter, after=after, limit=50)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/armada-bench-ui.db"))
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    anyio.run(seed, args.db, args.jobs)
    anyio.run(measure, args.db, args.rounds)


if __name__ == "__main__":
    main()

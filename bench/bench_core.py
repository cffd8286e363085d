"""Core submit throughput into SQLite, next to the raw SQLite insert rate of the same rows.

Run: `nox -s bench` or `python bench/bench_core.py [--batches N] [--synchronous FULL|NORMAL]`.

1. From wire bytes through the core: each 100-job batch of realistic pod specs
   starts as the bytes of a serialized `api.JobSubmitRequest` and goes the way the
   gRPC handler takes it, without the socket: decoded, converted to the core's
   command (items read from the message, pod specs kept as protobuf messages),
   `ArmadaService.submit_jobs` into a
   fresh SQLite file (validation, defaults, ids, events, commit), and the answer
   encoded back to bytes. Conversion is counted.
2. The storage port alone: the same jobs and events, built beforehand by the core's
   own functions, written with `SqliteStorage.write` (encoding, the group committer,
   the writer thread, the commit): what is left of (1) without validation, defaults
   and job building.
3. The ceiling: every row that run (1) wrote (jobs, log entries, job sets) is read
   back and inserted again into a fresh file with the same schema and pragmas, one
   transaction per batch, with plain `executemany`: SQLite's own cost for the rows.
"""

from __future__ import annotations

import argparse
import gc
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workload import submit_items

from armada_adapters.wire.convert.submit import submit_jobs
from armada_adapters.wire.jsoncodec import from_json
from armada_adapters.wire.operations import hints_for, operation
from armada_adapters.wire.paced import from_json_paced, to_json_paced
from armada_adapters.wire.pool import message_class
from armada_core import ArmadaService, PermissionConfig, Principal, ServiceConfig
from armada_core.events import Event, EventKind
from armada_core.ids import UlidFactory
from armada_core.ports import Append
from armada_core.queues import QueueSpec
from armada_core.submission import build_job, validate_submit
from armada_storage.sqlite import SqliteStorage
from armada_storage.sqlite.schema import connect, migrate

BATCH = 100
SUBMIT = message_class("api.JobSubmitRequest")
SUBMIT_REPLY = message_class("api.JobSubmitResponse")
USER = Principal(name="bench")


async def through_core(path: Path, batches: int, synchronous: str, writers: int) -> float:
    """Jobs/s from request bytes to reply bytes, as the gRPC handler serves SubmitJobs."""
    service, storage = await _open(path, synchronous)
    requests = [_request(k).SerializeToString() for k in range(batches)]
    submit = operation("/api.Submit/SubmitJobs")

    async def submit_all(share: list[bytes]) -> None:
        for wire in share:
            request = SUBMIT.FromString(wire)
            # What the gRPC handler hands the operation (`handlers._request_data`).
            data = request if submit.takes_message else await to_json_paced(request)
            reply = await submit.call_unary(service, USER, data, hints_for())
            (await from_json_paced(reply, SUBMIT_REPLY)).SerializeToString()

    elapsed = await _timed(submit_all, requests, writers)
    await storage.aclose()
    return batches * BATCH / elapsed


async def storage_alone(path: Path, batches: int, synchronous: str, writers: int) -> float:
    """Jobs/s of `Storage.write` given what the core would hand it for each batch."""
    service, storage = await _open(path, synchronous)
    ids = UlidFactory()
    writes = [_write_of(_command(k), ids, service.config) for k in range(batches)]

    async def write_all(share: list[tuple[Any, Any]]) -> None:
        for jobs, appends in share:
            at_ms = time.time_ns() // 1_000_000
            await storage.write(at_ms=at_ms, jobs=jobs, appends=appends, require_queue="bench")

    elapsed = await _timed(write_all, writes, writers)
    await storage.aclose()
    return batches * BATCH / elapsed


async def _open(path: Path, synchronous: str) -> tuple[ArmadaService, SqliteStorage]:
    storage = await SqliteStorage.open(path, synchronous=synchronous)
    config = ServiceConfig(permissions=PermissionConfig.everyone_may())
    service = ArmadaService(storage, config=config)
    await service.create_queue(USER, QueueSpec(name="bench", priority_factor=1.0))
    return service, storage


async def _timed(
    run: Callable[[list[Any]], Awaitable[None]], work: list[Any], clients: int
) -> float:
    """Seconds for `clients` concurrent tasks to `run` their shares of `work`."""
    # The prepared work is the benchmark's backlog, not the code under test's: a server
    # holds one request at a time. Left to the collector, its every full pass walks it
    # all (measured: 11-22 µs per job of collection time with 200 batches waiting).
    gc.collect()
    gc.freeze()
    started = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for k in range(clients):
            tg.start_soon(run, work[k::clients])
    elapsed = time.perf_counter() - started
    work.clear()
    gc.unfreeze()
    return elapsed


def _data(k: int) -> dict[str, Any]:
    return {
        "queue": "bench",
        "jobSetId": f"set-{k % 10}",
        "jobRequestItems": submit_items(BATCH, start=k * BATCH),
    }


def _request(k: int) -> Any:
    return from_json(_data(k), SUBMIT)


def _command(k: int) -> Any:
    return submit_jobs(_request(k))


def _write_of(command: Any, ids: UlidFactory, config: ServiceConfig) -> tuple[Any, Any]:
    keys = validate_submit(command, config.submission)
    jobs = [
        build_job(
            item,
            job_id=ids.new_id(),
            queue=command.queue,
            job_set_id=command.job_set_id,
            owner=USER.name,
            groups=("everyone",),
            created_ns=time.time_ns(),
            config=config.submission,
            pod_key=key,
        )
        for item, key in zip(command.items, keys, strict=True)
    ]
    events = tuple(
        event
        for job in jobs
        for event in (
            Event(EventKind.SUBMITTED, job.id, job.created_ns, job=job),
            Event(EventKind.QUEUED, job.id, job.created_ns),
        )
    )
    return jobs, [Append(command.queue, command.job_set_id, events)]


def raw_inserts(source: Path, target: Path, synchronous: str) -> float:
    """Insert the rows `source` holds into `target`, one transaction per submit batch."""
    src = sqlite3.connect(source)
    jobs = src.execute("SELECT * FROM jobs ORDER BY n").fetchall()
    entries: dict[tuple[int, int, int], list[Any]] = defaultdict(list)
    for row in src.execute("SELECT * FROM events ORDER BY ms, seq, start"):
        entries[(row[0], row[1], row[2])].append(row)
    job_sets = {row[0]: row for row in src.execute("SELECT * FROM job_sets")}
    queues = src.execute("SELECT * FROM queues").fetchall()
    src.close()
    conn = connect(target, synchronous=synchronous)
    migrate(conn, target)
    conn.executemany("INSERT INTO queues VALUES (?, ?)", queues)
    batches = list(entries.values())
    started = time.perf_counter()
    for k, rows in enumerate(batches):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            f"INSERT INTO jobs VALUES ({','.join('?' * len(jobs[0]))})",
            jobs[k * BATCH : (k + 1) * BATCH],
        )
        conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        conn.execute("INSERT OR REPLACE INTO job_sets VALUES (?, ?, ?, ?, ?)", job_sets[rows[0][0]])
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return len(jobs) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--synchronous", default="FULL", choices=["FULL", "NORMAL"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for writers in (1, 4):
            core_db = Path(tmp) / f"core-{writers}.db"
            core = anyio.run(through_core, core_db, args.batches, args.synchronous, writers)
            alone = anyio.run(
                storage_alone,
                Path(tmp) / f"storage-{writers}.db",
                args.batches,
                args.synchronous,
                writers,
            )
            raw = raw_inserts(core_db, Path(tmp) / f"raw-{writers}.db", args.synchronous)
            print(
                f"{BATCH}-job batches, {writers} client(s), synchronous={args.synchronous}: "
                f"core submit from wire bytes {core:,.0f} jobs/s | "
                f"storage port alone {alone:,.0f} | "
                f"raw SQLite inserts of the same rows {raw:,.0f} | "
                f"core = {100 * core / raw:.0f}% of ceiling, storage alone = "
                f"{100 * alone / raw:.0f}%"
            )
            print(
                f"    per job: core {1e6 / core:.1f} us = conversion, validation, defaults, "
                f"building "
                f"{1e6 / core - 1e6 / alone:.1f} + storage {1e6 / alone:.1f} "
                f"(of which SQLite {1e6 / raw:.1f})"
            )


if __name__ == "__main__":
    main()

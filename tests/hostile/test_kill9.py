"""kill -9 mid-storm loses nothing that was acknowledged and half-writes nothing.

A real server (SQLite file; PostgreSQL in a fresh schema when
ARMADA_TEST_POSTGRES_DSN is set) takes SubmitJobs from several concurrent gRPC
clients; it is SIGKILLed mid-storm and restarted on the same storage, a few rounds.
Then, over the API, every acknowledged job has its `submitted` and `queued` events
and every job set's event ids strictly increase; through the storage port, every
stored job has exactly those two events and every event has its job.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import grpc
import pytest
from fuzz_support import ServerProcess, summary_line
from storage_helpers import POSTGRES_DSN, drop_schema, fresh_schema

from armada_adapters.wire.pool import message_class
from armada_core.events import EventId, EventKind
from armada_core.jobs import JobState
from armada_storage.registry import open_storage

# Long (tens of seconds): skipped with the fuzz suites by `-m "not fuzz"`.
pytestmark = [pytest.mark.e2e, pytest.mark.fuzz]

QUEUE = "storm"
JOB_SETS = ("set-a", "set-b", "set-c")
SUBMITTERS = 6
JOBS_PER_SUBMIT = 5
ROUNDS = 3
STORM_S = 1.5
Submit = message_class("api.JobSubmitRequest")
Submitted = message_class("api.JobSubmitResponse")
StreamMessage = message_class("api.EventStreamMessage")


def _sqlite(folder: Path) -> Iterator[dict[str, Any]]:
    yield {"backend": "sqlite", "sqlite": {"path": str(folder / "armada.db")}}


def _postgres(folder: Path) -> Iterator[dict[str, Any]]:
    schema = fresh_schema()
    try:
        yield {"backend": "postgres", "postgres": {"dsn": POSTGRES_DSN, "schema": schema}}
    finally:
        anyio.run(drop_schema, schema)


@pytest.fixture(
    params=[
        _sqlite,
        pytest.param(
            _postgres,
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(not POSTGRES_DSN, reason="set ARMADA_TEST_POSTGRES_DSN to run"),
            ],
        ),
    ],
    ids=["sqlite", "postgres"],
)
def storage_config(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    yield from request.param(tmp_path)


def test_kill_9_mid_storm_loses_no_acknowledged_job(
    storage_config: dict[str, Any], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    acked: dict[str, str] = {}  # job id -> job set
    for round_ in range(ROUNDS):
        server = ServerProcess(tmp_path, {"storage": storage_config}, {}).wait_ready()
        try:
            if round_ == 0:
                _create_queue(server.grpc_target)
            else:
                _assert_durable(server.grpc_target, acked)
            before = len(acked)
            _storm(server, acked)
            assert len(acked) > before, "the storm acknowledged nothing"
        finally:
            server.kill()  # SIGKILL, mid-storm (the submitters are still sending)
    server = ServerProcess(tmp_path, {"storage": storage_config}, {}).wait_ready()
    try:
        _assert_durable(server.grpc_target, acked)
    finally:
        server.stop()
    anyio.run(_assert_nothing_half_written, storage_config, set(acked))
    summary_line(
        request.config, f"kill -9: {len(acked)} acknowledged jobs kept over {ROUNDS} kills"
    )


def _create_queue(target: str) -> None:
    with grpc.insecure_channel(target) as channel:
        queue = message_class("api.Queue")(name=QUEUE, priority_factor=1.0)
        channel.unary_unary("/api.QueueService/CreateQueue")(queue.SerializeToString(), timeout=10)


def _storm(server: ServerProcess, acked: dict[str, str]) -> None:
    """Concurrent submitters for STORM_S, still running when this returns."""
    lock = threading.Lock()
    stop = threading.Event()

    def submitter(n: int) -> None:
        job_set = JOB_SETS[n % len(JOB_SETS)]
        with grpc.insecure_channel(server.grpc_target) as channel:
            call = channel.unary_unary("/api.Submit/SubmitJobs")
            while not stop.is_set():
                body = Submit(queue=QUEUE, job_set_id=job_set, job_request_items=_items())
                try:
                    reply = Submitted.FromString(call(body.SerializeToString(), timeout=10))
                except grpc.RpcError:
                    return  # the server is gone
                with lock:
                    acked.update((i.job_id, job_set) for i in reply.job_response_items)

    threads = [
        threading.Thread(target=submitter, args=(n,), daemon=True) for n in range(SUBMITTERS)
    ]
    for thread in threads:
        thread.start()
    time.sleep(STORM_S)
    server.kill()  # every reply a client got was sent before this: acknowledged
    stop.set()
    for thread in threads:
        thread.join(timeout=15)


def _items() -> list[dict[str, Any]]:
    cpu = {"string": "100m"}
    container = {
        "name": "main",
        "image": "busybox",
        "resources": {"requests": {"cpu": cpu}, "limits": {"cpu": cpu}},
    }
    item = {"namespace": "default", "pod_spec": {"containers": [container]}}
    return [item] * JOBS_PER_SUBMIT


def _assert_durable(target: str, acked: dict[str, str]) -> None:
    """Every acknowledged job has both events; each job set's ids strictly increase."""
    kinds: dict[str, set[str]] = defaultdict(set)
    with grpc.insecure_channel(target, options=[("grpc.max_receive_message_length", -1)]) as ch:
        for job_set in JOB_SETS:
            ids: list[EventId] = []
            request = message_class("api.JobSetRequest")(queue=QUEUE, id=job_set, watch=False)
            stream = ch.unary_stream("/api.Event/GetJobSetEvents")
            for raw in stream(request.SerializeToString(), timeout=60):
                message = StreamMessage.FromString(raw)
                event_id = EventId.parse(message.id)
                assert event_id is not None
                ids.append(event_id)
                kind = message.message.WhichOneof("events")
                kinds[getattr(message.message, kind).job_id].add(kind)
            assert ids == sorted(set(ids)), f"{job_set}: event ids not strictly increasing"
    missing = [j for j in acked if kinds.get(j) != {"submitted", "queued"}]
    assert missing == [], f"{len(missing)} of {len(acked)} acknowledged jobs lost or partial"


async def _assert_nothing_half_written(config: dict[str, Any], acked: set[str]) -> None:
    """Through the storage port: jobs and events match one to one (submitted + queued)."""
    storage = await open_storage(config)
    try:
        for job_set in JOB_SETS:
            jobs = await storage.jobs_in_job_set(QUEUE, job_set, list(JobState))
            events = await storage.read_events(QUEUE, job_set, None, 10**9)
            kinds: dict[str, list[EventKind]] = defaultdict(list)
            for stored in events:
                kinds[stored.event.job_id].append(stored.event.kind)
            job_ids = {record.job.id for record in jobs}
            assert job_ids == set(kinds), f"{job_set}: jobs without events or events without job"
            assert all(
                sorted(k) == sorted([EventKind.SUBMITTED, EventKind.QUEUED]) for k in kinds.values()
            )
    finally:
        await storage.aclose()

"""Issue 9, finding 7: concurrent submits of the same client ids make one job each.

Eight clients, each on its own gRPC connection to a real server, submit the same 100
client ids at once. Before the fix the server looked the ids up, then wrote, and the
race made 500-800 jobs. Now: exactly 100 jobs and 200 events, and every client gets
the same 100 ids back. On PostgreSQL the clients are split over two server processes
sharing one database.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import grpc
import pytest
from armada_client.client import ArmadaClient
from armada_client.k8s.io.api.core.v1 import generated_pb2 as core_v1
from armada_client.k8s.io.apimachinery.pkg.api.resource import generated_pb2 as resource

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from e2e_support import ServerProcess

pytestmark = pytest.mark.e2e
POSTGRES_DSN = os.environ.get("ARMADA_TEST_POSTGRES_DSN", "")

CLIENTS = 8
CLIENT_IDS = [f"client-{i:03d}" for i in range(100)]
DEADLINE = 30.0


def _pod_spec() -> core_v1.PodSpec:
    amounts = {"cpu": resource.Quantity(string="100m"), "memory": resource.Quantity(string="64Mi")}
    container = core_v1.Container(
        name="main",
        image="busybox",
        resources=core_v1.ResourceRequirements(requests=amounts, limits=amounts),
    )
    return core_v1.PodSpec(containers=[container])


def _race(targets: list[str], queue: str, job_set: str) -> list[list[str]]:
    """Every client submits all client ids at once; the ids each got back."""
    start = threading.Barrier(CLIENTS)

    def one_client(index: int) -> list[str]:
        with grpc.insecure_channel(targets[index % len(targets)]) as channel:
            client = ArmadaClient(channel)
            items = [
                client.create_job_request_item(
                    priority=1, namespace="ns", pod_spec=_pod_spec(), client_id=c
                )
                for c in CLIENT_IDS
            ]
            grpc.channel_ready_future(channel).result(timeout=DEADLINE)
            start.wait(timeout=DEADLINE)
            response = client.submit_jobs(queue=queue, job_set_id=job_set, job_request_items=items)
            return [r.job_id for r in response.job_response_items]

    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(one_client, range(CLIENTS)))


def _create_queue(target: str) -> str:
    name = f"race-{uuid.uuid4().hex[:8]}"
    with grpc.insecure_channel(target) as channel:
        client = ArmadaClient(channel)
        client.create_queue(client.create_queue_request(name, priority_factor=1.0))
    return name


def _assert_one_job_per_client_id(answers: list[list[str]], jobs: int, events: int) -> None:
    assert all(answer == answers[0] for answer in answers)
    assert len(set(answers[0])) == len(CLIENT_IDS)
    assert (jobs, events) == (len(CLIENT_IDS), 2 * len(CLIENT_IDS))


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[ServerProcess]:
    config = {"storage": {"backend": "sqlite", "sqlite": {"path": str(tmp_path / "a.db")}}}
    process = ServerProcess(tmp_path, config, {}).wait_ready()
    try:
        yield process
    finally:
        process.stop()


def test_sqlite_server_makes_one_job_per_client_id(
    sqlite_server: ServerProcess, tmp_path: Path
) -> None:
    queue = _create_queue(sqlite_server.grpc_target)
    answers = _race([sqlite_server.grpc_target], queue, "js")
    with sqlite3.connect(tmp_path / "a.db") as conn:
        jobs = conn.execute("SELECT count(*) FROM jobs WHERE queue = ?", (queue,)).fetchone()[0]
        events = conn.execute(
            "SELECT sum(e.count) FROM events e JOIN job_sets s ON s.id = e.set_id"
            " WHERE s.queue = ?",
            (queue,),
        ).fetchone()[0]
    _assert_one_job_per_client_id(answers, jobs, events)


@pytest.fixture
def two_postgres_servers(tmp_path: Path) -> Iterator[tuple[list[ServerProcess], str]]:
    if not POSTGRES_DSN:
        pytest.skip("set ARMADA_TEST_POSTGRES_DSN to run")
    schema = f"armada_race_{uuid.uuid4().hex[:12]}"
    config = {
        "storage": {"backend": "postgres", "postgres": {"dsn": POSTGRES_DSN, "schema": schema}}
    }
    processes: list[ServerProcess] = []
    try:
        for name in ("one", "two"):
            folder = tmp_path / name
            folder.mkdir()
            processes.append(ServerProcess(folder, config, {}).wait_ready())
        yield processes, schema
    finally:
        for process in processes:
            process.stop()
        _postgres(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _postgres(query: str) -> Any:
    import psycopg

    with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
        cursor = conn.execute(query)
        return cursor.fetchone() if cursor.description else None


@pytest.mark.postgres
def test_two_postgres_servers_make_one_job_per_client_id(
    two_postgres_servers: tuple[list[ServerProcess], str],
) -> None:
    processes, schema = two_postgres_servers
    queue = _create_queue(processes[0].grpc_target)
    answers = _race([p.grpc_target for p in processes], queue, "js")
    (jobs,) = _postgres(f"SELECT count(*) FROM \"{schema}\".jobs WHERE queue = '{queue}'")
    (events,) = _postgres(
        f'SELECT sum(e.count) FROM "{schema}".events e JOIN "{schema}".job_sets s'
        f" ON s.id = e.set_id WHERE s.queue = '{queue}'"
    )
    _assert_one_job_per_client_id(answers, jobs, events)

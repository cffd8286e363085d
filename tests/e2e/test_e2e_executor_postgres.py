"""Two server processes on one PostgreSQL schema: exactly one schedules (decision E5).

Both serve the executor API; only the leader (holder of the schema's advisory lock)
places jobs, so an executor leasing through the other process still gets its runs,
one scheduling period later. When the leader goes, the other takes over.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from armada_client.client import ArmadaClient
from e2e_support import ServerProcess
from executor_client import Executor, MetadataAuth, basic, lease_request, leases
from postgres_pair import DSN, LEADER, fresh_schema, leads, start_on_postgres
from test_e2e_executor import lease_jobs, server_config, submit

WAIT_MS = 8000  # below the test client's call deadline (10 s)
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.postgres,
    pytest.mark.skipif(not DSN, reason="set ARMADA_TEST_POSTGRES_DSN to run"),
]


@pytest.fixture
def schema() -> Iterator[str]:
    yield from fresh_schema()


def _start(tmp_path: Path, schema: str, name: str) -> ServerProcess:
    return start_on_postgres(tmp_path, schema, name, server_config)


def test_one_of_two_processes_schedules_and_the_other_takes_over(
    tmp_path: Path, schema: str
) -> None:
    first = _start(tmp_path, schema, "a")
    second = _start(tmp_path, schema, "b")
    try:
        deadline = time.monotonic() + 10.0
        while not (leads(first) or leads(second)) and time.monotonic() < deadline:
            time.sleep(0.1)
        leader, follower = (first, second) if leads(first) else (second, first)
        assert leads(leader) and not leads(follower)
        with grpc.insecure_channel(follower.grpc_target) as channel:
            user = grpc.intercept_channel(channel, MetadataAuth(basic("alice", "alice-secret")))
            client = ArmadaClient(user)
            client.create_queue(client.create_queue_request("q", priority_factor=1.0))
            executor = Executor(channel, basic("executor", "exec-secret"))
            [job_id] = submit(client, "q", "set")
            [lease] = lease_jobs(executor, "ex", 1)  # through the follower
            assert lease.job.job_id == job_id
            leader.stop()
            assert follower.wait_for(LEADER, 10.0) is not None  # takes over
            [second_job] = submit(client, "q", "set")
            got = lease_jobs(executor, "ex", 2)  # the first run again, and the new one
            assert {g.job.job_id for g in got} == {job_id, second_job}, "\n".join(follower.log)
    finally:
        first.stop()
        second.stop()


def test_a_held_lease_call_answers_when_the_other_process_places_work(
    tmp_path: Path, schema: str
) -> None:
    """An executor that lets a call wait (`armada-lease-wait-ms`) is answered through
    one process as soon as the leader, another process, leases it a job (NOTIFY)."""
    first = _start(tmp_path, schema, "a")
    second = _start(tmp_path, schema, "b")
    try:
        deadline = time.monotonic() + 10.0
        while not (leads(first) or leads(second)) and time.monotonic() < deadline:
            time.sleep(0.1)
        leader, follower = (first, second) if leads(first) else (second, first)
        with (
            grpc.insecure_channel(follower.grpc_target) as channel,
            grpc.insecure_channel(leader.grpc_target) as leader_channel,
        ):
            user = grpc.intercept_channel(
                leader_channel, MetadataAuth(basic("alice", "alice-secret"))
            )
            client = ArmadaClient(user)
            client.create_queue(client.create_queue_request("q", priority_factor=1.0))
            credentials = basic("executor", "exec-secret")
            assert lease_jobs(Executor(channel, credentials), "ex", 0) == []  # known now
            waiting = Executor(channel, (*credentials, ("armada-lease-wait-ms", str(WAIT_MS))))
            answers: list[list[str]] = []
            started = time.monotonic()
            held = threading.Thread(
                target=lambda: answers.append(
                    [g.job.job_id for g in leases(waiting.lease(lease_request(executor="ex")))]
                )
            )
            held.start()
            time.sleep(0.5)  # the call is held: nothing is queued
            [job_id] = submit(client, "q", "set")
            held.join()
            assert answers == [[job_id]]
            assert time.monotonic() - started < WAIT_MS / 1000  # woken, not run out
    finally:
        first.stop()
        second.stop()

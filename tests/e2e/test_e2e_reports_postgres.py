"""Reports with two server processes on one PostgreSQL schema: only the leader has them.

The follower cannot reach the leader's memory and says so (UNAVAILABLE, Armada's "no
leader found" text first); once it takes over, its own passes fill its reports.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from armada_client.client import ArmadaClient
from e2e_support import ServerProcess
from executor_client import Executor, MetadataAuth, basic, lease_request, node
from postgres_pair import DSN, LEADER, fresh_schema, leads, start_on_postgres
from test_e2e_reports import ALICE, Reports, make_queue, server_config, submit, until

NO_LEADER = "no leader found to retrieve scheduling reports from: this server is not the"
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.postgres,
    pytest.mark.skipif(not DSN, reason="set ARMADA_TEST_POSTGRES_DSN to run"),
]


@pytest.fixture
def schema() -> Iterator[str]:
    yield from fresh_schema()


def start(tmp_path: Path, schema: str, name: str) -> ServerProcess:
    return start_on_postgres(tmp_path, schema, name, server_config)


def refusal(reports: Reports, job_id: str) -> grpc.RpcError:
    deadline = time.monotonic() + 10.0
    while True:  # the follower learns it is not the leader at its first pass
        try:
            reports.job(job_id)
        except grpc.RpcError as error:
            return error
        assert time.monotonic() < deadline, "the follower never refused"
        time.sleep(0.05)


def test_only_the_leader_reports_and_the_follower_says_why(tmp_path: Path, schema: str) -> None:
    first, second = start(tmp_path, schema, "a"), start(tmp_path, schema, "b")
    try:
        deadline = time.monotonic() + 10.0
        while not (leads(first) or leads(second)) and time.monotonic() < deadline:
            time.sleep(0.1)
        leader, follower = (first, second) if leads(first) else (second, first)
        with grpc.insecure_channel(follower.grpc_target) as channel:
            client = ArmadaClient(grpc.intercept_channel(channel, MetadataAuth(ALICE)))
            (big,) = submit(client, make_queue(client), "64")
            Executor(channel, basic("executor", "exec-secret")).lease(
                lease_request(node("node-1", cpu="8"))
            )
            refused = refusal(Reports(channel, ALICE), big)
            assert refused.code() == grpc.StatusCode.UNAVAILABLE
            assert f"] {NO_LEADER}" in (refused.details() or "")  # after the request id
            with grpc.insecure_channel(leader.grpc_target) as leader_channel:
                at_leader = Reports(leader_channel, ALICE)
                until(lambda: at_leader.job(big), "pod requires 64 cpu, but only 8 is available")
            leader.stop()
            assert follower.wait_for(LEADER, 10.0) is not None
            Executor(channel, basic("executor", "exec-secret")).lease(
                lease_request(node("node-1", cpu="8"))
            )
            until(lambda: Reports(channel, ALICE).job(big), "pod requires 64 cpu")
    finally:
        first.stop()
        second.stop()

"""The executor against a fake ExecutorApi server over a real socket: leases, reports, cancels."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from executor_support import live_members, make_host, shell
from fake_api import FakeExecutorApi, make_lease, start_server, stop_server, wait_until

from armada_core.quantity import Quantity
from armada_executor.capacity import Capacity
from armada_executor.client import ExecutorApiClient
from armada_executor.config import ExecutorConfig, LocalSettings
from armada_executor.credentials import NoCredentials
from armada_executor.executor import LocalExecutor
from armada_executor.messages import RUNNING, SUCCEEDED

pytestmark = pytest.mark.anyio


class Harness:
    def __init__(self, api: FakeExecutorApi, executor: LocalExecutor, port: int, server) -> None:
        self.api, self.executor, self.port, self.server = api, executor, port, server


def config_for(port: int, work_dir: Path) -> ExecutorConfig:
    local = LocalSettings(work_dir=work_dir, node_name="node-1")
    return ExecutorConfig(
        cluster_id="test-cluster", pool="cpu", armada_url=f"127.0.0.1:{port}", local=local
    )


@pytest.fixture
async def harness(work_dir: Path) -> AsyncIterator[Harness]:
    api = FakeExecutorApi()
    server, port = await start_server(api)
    client = ExecutorApiClient(f"127.0.0.1:{port}", use_tls=False, credentials=NoCredentials())
    capacity = Capacity({"cpu": Quantity.parse("4"), "memory": Quantity.parse("8Gi")})
    executor = LocalExecutor(config_for(port, work_dir), client, make_host(work_dir), capacity)
    task = asyncio.create_task(executor.run())
    harness = Harness(api, executor, port, server)
    try:
        yield harness
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        client.close()
        await stop_server(harness.server)


def one_cpu(spec_container: dict) -> dict:
    resources = {"cpu": "1", "memory": "64Mi"}
    return {**spec_container, "resources": {"requests": resources, "limits": resources}}


async def test_a_run_is_assigned_running_then_succeeded_and_then_forgotten(harness):
    api = harness.api
    api.add(make_lease("r1", "j1", {"containers": [shell("echo hi")]}))
    await wait_until(lambda: "jobRunSucceeded" in api.kinds("r1"))
    assert api.kinds("r1") == ["jobRunAssigned", "jobRunRunning", "jobRunSucceeded"]
    assigned = api.event("r1", "jobRunAssigned")
    assert (assigned.job_id, assigned.pool) == ("j1", "cpu")
    [info] = assigned.resourceInfos
    assert info.objectMeta.executor_id == "test-cluster"
    assert info.objectMeta.name == "armada-j1-0"
    assert info.podInfo.node_name == "node-1"
    await wait_until(lambda: "r1" not in api.requests[-1].nodes[0].run_ids_by_state)
    assert all("r1" not in r.unassigned_job_run_ids for r in api.requests[-3:])


async def test_lease_requests_are_shaped_as_armadas(harness):
    api = harness.api
    api.add(make_lease("r1", "j1", {"containers": [one_cpu(shell("sleep 30"))]}))
    await wait_until(lambda: "jobRunRunning" in api.kinds("r1"))
    await wait_until(lambda: api.requests[-1].nodes[0].run_ids_by_state.get("r1") == RUNNING)
    request = api.requests[-1]
    assert (request.executor_id, request.pool, request.max_jobs_to_lease) == (
        "test-cluster",
        "cpu",
        100,
    )
    [node] = request.nodes
    assert (node.name, node.pool) == ("node-1", "cpu")
    assert node.labels["kubernetes.io/hostname"] == "node-1"
    assert node.total_resources["cpu"].string == "4"
    assert node.total_resources["memory"].string == "8Gi"
    assert request.resources["cpu"].string == "3"
    api.cancel("r1")
    await wait_until(lambda: "r1" not in api.requests[-1].nodes[0].run_ids_by_state)


async def test_a_failing_run_reports_one_container_error_per_failed_container(harness):
    api = harness.api
    spec = {
        "containers": [shell("echo bad; exit 3", "a"), shell("exit 0", "b"), shell("exit 5", "c")]
    }
    api.add(make_lease("r1", "j1", spec))
    await wait_until(lambda: "jobRunErrors" in api.kinds("r1"))
    [error] = api.event("r1", "jobRunErrors").errors
    assert error.terminal
    pod_error = error.podError
    assert [(c.objectMeta.name, c.exit_code) for c in pod_error.containerErrors] == [
        ("a", 3),
        ("c", 5),
    ]
    assert pod_error.containerErrors[0].message == "bad"
    assert pod_error.containerErrors[0].reason == "Error"


async def test_cancel_runs_stops_the_process_and_reports_nothing_more(harness):
    api = harness.api
    api.add(
        make_lease(
            "r1", "j1", {"terminationGracePeriodSeconds": 2, "containers": [shell("sleep 60")]}
        )
    )
    await wait_until(lambda: "jobRunRunning" in api.kinds("r1"))
    run = harness.executor.active["r1"]
    pgid = run.pod.record.groups[0][0]
    started = time.monotonic()
    api.cancel("r1")
    await wait_until(lambda: "r1" not in harness.executor.active, timeout=10)
    assert time.monotonic() - started < 2 + 3  # a lease round, then within the grace
    assert live_members(pgid) == []  # zombies left to init to reap do not count

    await asyncio.sleep(0.3)
    assert api.kinds("r1") == ["jobRunAssigned", "jobRunRunning"]


async def test_capacity_of_4_cpus_runs_at_most_4_one_cpu_jobs_at_once(harness):
    api = harness.api
    marker = "0.617"
    for i in range(10):
        api.add(make_lease(f"r{i}", f"j{i}", {"containers": [one_cpu(shell(f"sleep {marker}"))]}))
    most = 0
    deadline = time.monotonic() + 30
    while sum("jobRunSucceeded" in api.kinds(f"r{i}") for i in range(10)) < 10:
        assert time.monotonic() < deadline, "the ten jobs did not finish"
        most = max(most, _count_processes(f"sleep {marker}"))
        await asyncio.sleep(0.01)
    assert 2 <= most <= 4
    assert any(r.max_jobs_to_lease == 0 and r.unassigned_job_run_ids for r in api.requests)


async def test_a_run_needing_more_than_the_node_is_returned(harness):
    api = harness.api
    container = {**shell("true"), "resources": {"requests": {"cpu": "64"}, "limits": {"cpu": "64"}}}
    api.add(make_lease("r1", "j1", {"containers": [container]}))
    await wait_until(lambda: "jobRunErrors" in api.kinds("r1"))
    [error] = api.event("r1", "jobRunErrors").errors
    assert error.terminal and error.WhichOneof("reason") == "podLeaseReturned"
    assert not error.podLeaseReturned.run_attempted


async def test_reports_are_retried_until_the_server_takes_them(harness):
    api = harness.api
    api.fail_reports = 2
    api.add(make_lease("r1", "j1", {"containers": [shell("true")]}))
    await wait_until(lambda: "jobRunSucceeded" in api.kinds("r1"))
    assert api.fail_reports == 0


async def test_the_executor_reconnects_after_a_server_restart(harness):
    api, executor = harness.api, harness.executor
    api.add(make_lease("r1", "j1", {"containers": [shell("sleep 1.5; echo done")]}))
    await wait_until(lambda: "jobRunRunning" in api.kinds("r1"))
    api.down = True  # a call already on its way when the server stops is refused too
    await stop_server(harness.server)  # the run ends while the server is away
    await wait_until(lambda: executor.active["r1"].state == SUCCEEDED)
    await asyncio.sleep(1.0)
    assert "jobRunSucceeded" not in api.kinds("r1")
    api.down = False
    harness.server, _ = await start_server(api, harness.port)
    await wait_until(lambda: "jobRunSucceeded" in api.kinds("r1"), timeout=30)
    await wait_until(lambda: "r1" not in executor.active)


async def test_a_lease_sent_again_is_not_run_twice(harness):
    api = harness.api
    lease = make_lease("r1", "j1", {"containers": [shell("sleep 0.5")]})
    api.add(lease)
    await wait_until(lambda: "jobRunRunning" in api.kinds("r1"))
    harness.executor.handle([_lease_message(lease)])
    await wait_until(lambda: "jobRunSucceeded" in api.kinds("r1"))
    assert api.kinds("r1").count("jobRunAssigned") == 1


def _lease_message(lease):
    from armada_executor.messages import LeaseStreamMessage

    return LeaseStreamMessage(lease=lease)


def _count_processes(cmdline: str) -> int:
    count = 0
    wanted = cmdline.replace(" ", "\0").encode()
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if (proc / "cmdline").read_bytes().rstrip(b"\0") == wanted:
                    count += 1
            except OSError:
                pass
    return count


async def test_a_bug_while_running_a_pod_fails_the_run_instead_of_holding_it(harness, monkeypatch):
    async def broken(self):
        raise RuntimeError("a bug")

    monkeypatch.setattr("armada_executor.runner.PodRun.run", broken)
    harness.api.add(make_lease("r1", "j1", {"containers": [shell("true")]}))
    await wait_until(lambda: "jobRunErrors" in harness.api.kinds("r1"))
    [error] = harness.api.event("r1", "jobRunErrors").errors
    assert error.terminal and "executor failed" in error.podError.message
    await wait_until(lambda: "r1" not in harness.executor.active)

"""`/metrics` of a real server (SQLite), read with httpx while jobs come and go.

The queue gauges are computed on a timer (50 ms here), so each check scrapes until
the figure it expects appears, within a bound.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from grpclib.client import Channel
from grpclib.exceptions import GRPCError
from observability_support import Scraper, running_server
from prometheus_client.parser import text_string_to_metric_families

from armada_adapters.grpc._betterproto import api
from armada_adapters.grpc._betterproto.k8s.io.api.core import v1 as core_v1
from armada_adapters.grpc._betterproto.k8s.io.apimachinery.pkg.api import resource

pytestmark = pytest.mark.anyio

CAMEL_CASE_COMPLAINT = "label names should be written in 'snake_case' not 'camelCase'"
ARMADA_CAMEL_CASE = {  # Armada's names with its labels queueName, priorityClass, resourceType
    "armada_queue_size",
    "armada_queue_jobs",
    "armada_queue_priority",
    "armada_queue_resource_queued",
    "armada_queue_resource_allocated",
    "armada_job_queued_seconds",
    "armada_job_run_time_seconds",
    "armada_cluster_capacity",
    "armada_cluster_cordoned_status",
}


def _pod(cpu: str = "1", memory: str = "1Gi") -> core_v1.PodSpec:
    amounts = {"cpu": resource.Quantity(string=cpu), "memory": resource.Quantity(string=memory)}
    requirements = core_v1.ResourceRequirements(requests=amounts, limits=dict(amounts))
    container = core_v1.Container(name="main", image="busybox", resources=requirements)
    return core_v1.PodSpec(containers=[container])


def _items(n: int) -> list[api.JobSubmitRequestItem]:
    return [
        api.JobSubmitRequestItem(priority=1, namespace="default", pod_specs=[_pod()])
        for _ in range(n)
    ]


async def test_a_cordoned_executor_shows_in_its_gauge(tmp_path: Path) -> None:
    async with running_server(tmp_path) as endpoints, httpx.AsyncClient(timeout=10) as client:
        rest = f"http://127.0.0.1:{endpoints.http_port}"
        metrics = Scraper(client, endpoints.metrics_port or 0)
        body = {"cordoned": True, "cordonReason": "disks"}
        reply = await client.put(f"{rest}/v1/executor_settings/ex-1", json=body)
        assert reply.status_code == 200, reply.text
        name = "armada_cluster_cordoned_status"
        labels = {"cluster": "ex-1", "reason": "disks", "setByUser": "anonymous"}
        assert await metrics.wait_for(name, lambda v: v == 1, **labels) == 1
        reply = await client.delete(f"{rest}/v1/executor_settings/ex-1")
        assert reply.status_code == 200, reply.text
        assert await metrics.wait_for(name, lambda v: v is None, **labels) is None


async def test_queue_figures_and_request_counters_move(tmp_path: Path) -> None:
    async with running_server(tmp_path) as endpoints, httpx.AsyncClient(timeout=10) as client:
        rest = f"http://127.0.0.1:{endpoints.http_port}"
        metrics = Scraper(client, endpoints.metrics_port or 0)
        channel = Channel("127.0.0.1", endpoints.grpc_port)
        try:
            created = await client.post(f"{rest}/v1/queue", json={"name": "q", "priorityFactor": 2})
            assert created.status_code == 200
            submit = api.SubmitStub(channel)
            reply = await submit.submit_jobs(
                api.JobSubmitRequest(queue="q", job_set_id="js", job_request_items=_items(3))
            )
            ids = [item.job_id for item in reply.job_response_items]
            assert await metrics.wait_for("armada_queue_size", lambda v: v == 3, queue="q") == 3
            assert await metrics.value("armada_queue_size", queueName="q") == 3
            assert await metrics.value("armada_queue_jobs", queue="q", state="queued") == 3
            assert await metrics.value("armada_queue_priority", queue="q") == 2
            cpu = await metrics.value(
                "armada_queue_resource_queued", queue="q", resourceType="cpu", pool="default"
            )
            assert cpu == 3
            assert (
                await metrics.value("armada_queue_resource_queued", resourceType="memory")
                == 3 * 2**30
            )
            assert await metrics.value("armada_job_queued_seconds_count", queue="q") == 3

            cancelled = await client.post(
                f"{rest}/v1/job/cancel", json={"jobId": ids[0], "queue": "q", "jobSetId": "js"}
            )
            assert cancelled.status_code == 200
            assert await metrics.wait_for("armada_queue_size", lambda v: v == 2, queue="q") == 2
            await submit.cancel_job_set(api.JobSetCancelRequest(queue="q", job_set_id="js"))
            assert await metrics.wait_for("armada_queue_size", lambda v: v == 0, queue="q") == 0
            assert await metrics.value("armada_queue_resource_queued", queue="q") is None

            with pytest.raises(GRPCError):  # INVALID_ARGUMENT: no job set id
                await submit.submit_jobs(
                    api.JobSubmitRequest(queue="q", job_request_items=_items(1))
                )
            missing = await client.get(f"{rest}/v1/queue/nope")
            assert missing.status_code == 404
        finally:
            channel.close()

        grpc = {"grpc_service": "api.Submit", "grpc_type": "unary"}
        handled = "grpc_server_handled_total"
        assert await metrics.value(handled, grpc_method="SubmitJobs", grpc_code="OK", **grpc) == 1
        assert (
            await metrics.value(handled, grpc_method="SubmitJobs", grpc_code="InvalidArgument") == 1
        )
        assert await metrics.value(handled, grpc_method="CancelJobSet", user="anonymous") == 1
        assert await metrics.value("grpc_server_started_total", grpc_method="SubmitJobs") == 2
        assert (
            await metrics.value("grpc_server_handling_seconds_count", grpc_method="SubmitJobs") == 2
        )
        http = "armada_http_requests_total"
        assert await metrics.value(http, method="POST", route="/v1/job/cancel", code="200") == 1
        assert await metrics.value(http, method="GET", route="/v1/queue/{name}", code="404") == 1
        assert (
            await metrics.value("armada_http_request_duration_seconds_count", route="/v1/queue")
            == 1
        )
        # SQLite reports each group commit: queue, submit, two cancels at least.
        commits = await metrics.value("armada_storage_commit_writes_sum")
        assert commits is not None and commits >= 4
        assert (await metrics.value("armada_storage_commit_seconds_count") or 0) >= 1


async def test_live_watchers_gauge_follows_open_streams(tmp_path: Path) -> None:
    async with running_server(tmp_path) as endpoints, httpx.AsyncClient(timeout=10) as client:
        metrics = Scraper(client, endpoints.metrics_port or 0)
        rest = f"http://127.0.0.1:{endpoints.http_port}"
        await client.post(f"{rest}/v1/queue", json={"name": "q", "priorityFactor": 1})
        channel = Channel("127.0.0.1", endpoints.grpc_port)
        watch = api.JobSetRequest(id="js", queue="q", watch=True)

        async def follow() -> None:
            async for _ in api.EventStub(channel).get_job_set_events(watch):
                pass

        watcher = asyncio.create_task(follow())
        try:
            gauge = "armada_event_api_active_subscriptions"
            assert await metrics.wait_for(gauge, lambda v: v == 1, user="anonymous") == 1
            async with client.stream("POST", f"{rest}/v1/job-set/q/js", json={"watch": True}) as r:
                assert r.status_code == 200
                assert await metrics.wait_for(gauge, lambda v: v == 2) == 2
            assert await metrics.wait_for(gauge, lambda v: v == 1) == 1
        finally:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)
            channel.close()
        assert await metrics.wait_for(gauge, lambda v: v == 0) == 0
        # A queue list stream is no watcher.
        assert (await client.get(f"{rest}/v1/batched/queues")).status_code == 200
        assert await metrics.value(gauge) == 0


async def test_the_metrics_listener_answers_only_metrics(tmp_path: Path) -> None:
    async with running_server(tmp_path) as endpoints, httpx.AsyncClient(timeout=10) as client:
        other = await client.get(f"http://127.0.0.1:{endpoints.metrics_port}/")
        assert other.status_code == 404
        health = await client.get(f"http://127.0.0.1:{endpoints.http_port}/metrics")
        assert health.status_code == 404  # not on the API port, as in Armada


@pytest.mark.skipif(
    shutil.which("promtool") is None, reason="promtool (Debian package prometheus) absent"
)
async def test_promtool_accepts_the_exposition(tmp_path: Path) -> None:
    async with running_server(tmp_path) as endpoints, httpx.AsyncClient(timeout=10) as client:
        rest = f"http://127.0.0.1:{endpoints.http_port}"
        await client.post(f"{rest}/v1/queue", json={"name": "q", "priorityFactor": 1})
        channel = Channel("127.0.0.1", endpoints.grpc_port)
        try:
            await api.SubmitStub(channel).submit_jobs(
                api.JobSubmitRequest(queue="q", job_set_id="js", job_request_items=_items(2))
            )
        finally:
            channel.close()
        metrics = Scraper(client, endpoints.metrics_port or 0)
        await metrics.wait_for("armada_queue_size", lambda v: v == 2, queue="q")
        text = await metrics.scrape()
    assert "armada_job_queued_seconds_bucket" in text
    checked = subprocess.run(
        ["promtool", "check", "metrics"], input=text, capture_output=True, text=True, timeout=30
    )
    # Exit 3 is "lint problems" (1 would be a parse error). The one problem allowed is
    # promlint's camelCase rule on the label names Armada itself uses (queueName...):
    # dashboards written for Armada need them as they are.
    problems = [line for line in (checked.stdout + checked.stderr).splitlines() if line]
    assert checked.returncode in (0, 3), problems
    assert [p for p in problems if not _armada_camel_case(p)] == []


def _armada_camel_case(problem: str) -> bool:
    name, _, complaint = problem.partition(" ")
    return name in ARMADA_CAMEL_CASE and complaint == CAMEL_CASE_COMPLAINT


async def test_the_scheduler_reports_its_cycles_and_leadership(tmp_path: Path) -> None:
    """SQLite: this process is the one scheduler, so the leader and cycle figures move."""
    periods = {"schedulePeriod": "50ms"}
    async with (
        running_server(tmp_path, scheduler=periods) as endpoints,
        httpx.AsyncClient(timeout=10) as client,
    ):
        metrics = Scraper(client, endpoints.metrics_port or 0)
        leader = await metrics.wait_for("armada_scheduler_leader_status", lambda v: v == 1)
        assert leader == 1
        cycles = await metrics.wait_for(
            "armada_scheduler_cycle_seconds_count", lambda v: (v or 0) >= 2
        )
        assert cycles is not None and cycles >= 2
        assert await metrics.value("armada_scheduler_placements_total") == 0  # no executor


async def test_the_readme_lists_every_metric_served(tmp_path: Path) -> None:
    async with running_server(tmp_path) as endpoints, httpx.AsyncClient(timeout=10) as client:
        rest = f"http://127.0.0.1:{endpoints.http_port}"
        await client.post(f"{rest}/v1/queue", json={"name": "q", "priorityFactor": 1})
        metrics = Scraper(client, endpoints.metrics_port or 0)
        await metrics.wait_for("armada_queue_size", lambda v: v == 0, queue="q")
        text = await metrics.scrape()
    served = {
        family.name
        for family in text_string_to_metric_families(text)
        if not family.name.endswith("_created")  # prometheus_client's creation stamps
    }
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Metrics and logs", 1)[1].split("\n\n| metric |", 1)[1]
    rows = [line.split("|")[1] for line in table.split("\n\n", 1)[0].splitlines()[2:]]
    listed = {
        name.removesuffix("_total") for row in rows for name in re.findall(r"`([a-z_]+)`", row)
    }
    assert served == listed

"""The executor API over a real socket: a simulated executor leasing and finishing jobs.

Run: `python bench/bench_executor.py [--jobs N]`.

The reference server runs in its own process with durable SQLite; this process is
the executor (100 nodes of 64 CPU) and a client. Printed: the end-to-end rate at
which 10,000 queued jobs are leased, reported assigned, running and succeeded (one
LeaseJobRuns and one ReportEvents per round), and, on an idle cluster, the time from
a SubmitJobs answer to the job's lease reaching the executor (p50, p99), the
executor polling back to back.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from grpclib.client import Channel
from grpclib.const import Cardinality

sys.path.insert(0, str(Path(__file__).resolve().parent))

import servers
from workload import submit_items

from armada_adapters.wire.jsoncodec import from_json, to_json
from armada_adapters.wire.pool import message_class

LEASE = "/executorapi.ExecutorApi/LeaseJobRuns"
REPORT = "/executorapi.ExecutorApi/ReportEvents"
SUBMIT = "/api.Submit/SubmitJobs"
CREATE_QUEUE = "/api.Submit/CreateQueue"
NODES = 100
UNLIMITED = {"Rate": 1e9, "Burst": 1_000_000_000}


def config(folder: str) -> dict[str, Any]:
    scheduling = {f"maximumScheduling{k}": v for k, v in UNLIMITED.items()}
    scheduling.update({f"maximumPerQueueScheduling{k}": v for k, v in UNLIMITED.items()})
    return {
        "storage": {"backend": "sqlite", "sqlite": {"path": f"{folder}/armada.db"}},
        "scheduler": {"schedulePeriod": "1s", "scheduling": scheduling},
        "logging": {"requests": False},
    }


def lease_request(max_jobs: int) -> Any:
    labels = {"node-type": "batch", "zone": "eu-west-1a"}
    nodes = [
        {
            "name": f"node-{i}",
            "labels": {**labels, "kubernetes.io/hostname": f"node-{i}"},
            "totalResources": {"cpu": "64", "memory": "256Gi", "ephemeral-storage": "1Ti"},
            "taints": [],
        }
        for i in range(NODES)
    ]
    data = {"executorId": "bench", "pool": "default", "nodes": nodes, "maxJobsToLease": max_jobs}
    return from_json(data, message_class("executorapi.LeaseRequest"))


async def unary(channel: Channel, path: str, message: Any, reply: str) -> Any:
    async with channel.request(
        path, Cardinality.UNARY_UNARY, type(message), message_class(reply)
    ) as stream:
        await stream.send_message(message, end=True)
        return await stream.recv_message()


async def lease(channel: Channel, request: Any) -> list[dict[str, Any]]:
    """The leases of one call (its CancelRuns and End left out)."""
    reply = message_class("executorapi.LeaseStreamMessage")
    async with channel.request(LEASE, Cardinality.STREAM_STREAM, type(request), reply) as stream:
        await stream.send_message(request, end=True)
        found = []
        while (message := await stream.recv_message()) is not None:
            case = to_json(message).get("Event") or {}
            if "lease" in case:
                found.append(case["lease"])
    return found


def finished(leases: list[dict[str, Any]]) -> Any:
    """An EventList saying every leased run was assigned, ran and succeeded."""
    sequences = []
    for item in leases:
        ids = {"jobId": item["job"]["jobId"], "runId": item["jobRunId"]}
        events = [
            {"created": {"seconds": 1}, "Event": {case: dict(ids)}}
            for case in ("jobRunAssigned", "jobRunRunning", "jobRunSucceeded")
        ]
        sequences.append({"queue": item["queue"], "jobSetName": item["jobset"], "events": events})
    return from_json({"events": sequences}, message_class("executorapi.EventList"))


async def submit(channel: Channel, job_set: str, count: int) -> None:
    for start in range(0, count, 1000):
        items = submit_items(min(1000, count - start), start=start)
        data = {"queue": "bench", "jobSetId": job_set, "jobRequestItems": items}
        message = from_json(data, message_class("api.JobSubmitRequest"))
        await unary(channel, SUBMIT, message, "api.JobSubmitResponse")


async def throughput(channel: Channel, jobs: int) -> float:
    """Jobs/s from the first lease call until every job has succeeded."""
    await submit(channel, "throughput", jobs)
    request, done = lease_request(1000), 0
    started = time.perf_counter()
    while done < jobs:
        leases = await lease(channel, request)
        if leases:
            await unary(channel, REPORT, finished(leases), "google.protobuf.Empty")
            done += len(leases)
    return jobs / (time.perf_counter() - started)


async def submit_to_lease(channel: Channel, samples: int) -> list[float]:
    """Seconds from a SubmitJobs answer to the job's lease, on an idle cluster."""
    request, took = lease_request(100), []
    for i in range(samples):
        await submit(channel, f"latency-{i}", 1)
        started = time.perf_counter()
        while not (leases := await lease(channel, request)):
            pass
        took.append(time.perf_counter() - started)
        await unary(channel, REPORT, finished(leases), "google.protobuf.Empty")
    return took


async def run(port: int, jobs: int, samples: int) -> dict[str, Any]:
    channel = Channel("127.0.0.1", port)
    try:
        queue = from_json({"name": "bench", "priorityFactor": 1}, message_class("api.Queue"))
        await unary(channel, CREATE_QUEUE, queue, "google.protobuf.Empty")
        rate = await throughput(channel, jobs)
        latencies = sorted(await submit_to_lease(channel, samples))
    finally:
        channel.close()
    return {
        "jobs": jobs,
        "leased_and_finished_per_s": round(rate),
        "submit_to_lease_p50_ms": round(statistics.median(latencies) * 1000, 1),
        "submit_to_lease_p99_ms": round(latencies[int(0.99 * (len(latencies) - 1))] * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = servers.armada(Path(tmp), config(tmp))
        try:
            result = asyncio.run(run(server.ports[0], args.jobs, args.samples))
        finally:
            server.stop()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

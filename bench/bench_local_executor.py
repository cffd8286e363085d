"""Jobs through the local executor over real sockets: latency and rate, measured in one run.

Run: `python bench/bench_local_executor.py [--latency-jobs 100] [--rate-jobs 1000]`.

The reference server (durable SQLite) and `armada-executor` run as separate processes,
as in a deployment; this process submits no-op jobs (`true`) and watches their job set.
Printed: submit -> `running` and submit -> `succeeded`, p50/p99 over jobs submitted one
every 50 ms (targets: `running` p99 <= 1 s on an idle machine), with the steps between
(`leased`, `pending`), then the rate of a burst of no-op jobs through the one executor
(target >= 50 jobs/s). Beside them, measured in the same run: the floor a job's start
cannot beat (a bare LeaseJobRuns round trip plus spawning `true`) and the rate at which
this process alone spawns `true` one after another (what one executor could at best reach).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from grpclib.client import Channel
from grpclib.const import Cardinality

sys.path.insert(0, str(Path(__file__).resolve().parent))

import servers
from bench_api import EMPTY, EVENT, JOB_SET, QUEUE, SUBMIT, SUBMIT_REPLY, percentiles, unary

from armada_adapters.wire.jsoncodec import from_json
from armada_executor.client import ExecutorApiClient
from armada_executor.credentials import NoCredentials
from armada_executor.messages import LeaseRequest

EXECUTOR_READY = re.compile(r"armada-executor ready")
EVERYONE = ["everyone"]
PERMISSIONS = (
    "execute_jobs", "submit_any_jobs", "create_queue", "watch_all_events", "cancel_any_jobs",
)  # fmt: skip
NOOP = {
    "name": "main",
    "image": "alpine",
    "command": ["true"],
    "resources": {
        "requests": {"cpu": "10m", "memory": "16Mi", "ephemeral-storage": "1Mi"},
        "limits": {"cpu": "10m", "memory": "16Mi", "ephemeral-storage": "1Mi"},
    },
}


def server_config(cwd: Path) -> dict[str, Any]:
    return {
        "storage": {"backend": "sqlite", "sqlite": {"path": str(cwd / "armada.db")}},
        "auth": {
            "anonymousAuth": True,
            "permissionGroupMapping": {name: EVERYONE for name in PERMISSIONS},
        },
        "metricsPort": 0,
    }


def executor(cwd: Path, grpc_port: int, lease_interval: str) -> servers.Process:
    config = {
        "task": {"jobLeaseRenewalInterval": lease_interval},
        "application": {"clusterId": "bench", "pool": "default"},
        "executorApiConnection": {"armadaUrl": f"127.0.0.1:{grpc_port}", "forceNoTls": True},
        "local": {"workDir": str(cwd / "executor"), "capacity": {"cpu": "64", "memory": "64Gi"}},
    }
    path = cwd / "executor.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    args = [sys.executable, "-m", "armada_executor", "--config", str(path)]
    return servers.Process(args, EXECUTOR_READY, cwd)


class Watch:
    """Times of each job's `running` and terminal events in one job set."""

    def __init__(self) -> None:
        self.steps: dict[str, dict[str, float]] = {"leased": {}, "pending": {}}
        self.running: dict[str, float] = {}
        self.ended: dict[str, tuple[float, str]] = {}
        self.changed = asyncio.Event()

    async def follow(self, channel: Channel, job_set: str) -> None:
        request = from_json({"queue": "bench", "id": job_set, "watch": True}, JOB_SET)
        async with channel.request(
            "/api.Event/GetJobSetEvents", Cardinality.UNARY_STREAM, JOB_SET, EVENT
        ) as stream:
            await stream.send_message(request, end=True)
            async for message in stream:
                kind = message.message.WhichOneof("events")
                job_id = getattr(message.message, kind).job_id
                now = time.perf_counter()
                if kind in self.steps:
                    self.steps[kind].setdefault(job_id, now)
                elif kind == "running":
                    self.running.setdefault(job_id, now)
                elif kind in ("succeeded", "failed", "cancelled"):
                    self.ended[job_id] = (now, kind)
                    self.changed.set()

    async def until_ended(self, job_ids: list[str], timeout: float) -> None:
        deadline = time.perf_counter() + timeout
        while not all(j in self.ended for j in job_ids):
            self.changed.clear()
            left = deadline - time.perf_counter()
            if left <= 0:
                missing = sum(j not in self.ended for j in job_ids)
                raise SystemExit(f"{missing} of {len(job_ids)} jobs did not end in {timeout}s")
            await asyncio.wait_for(self.changed.wait(), left)


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def submit(channel: Channel, job_set: str, n: int) -> list[str]:
    request = from_json(
        {"queue": "bench", "jobSetId": job_set, "jobRequestItems": [{"namespace": "default",
         "priority": 0, "podSpec": {"containers": [NOOP]}}] * n},
        SUBMIT,
    )  # fmt: skip
    reply = await unary(channel, "/api.Submit/SubmitJobs", request, SUBMIT_REPLY)
    return [item.job_id for item in reply.job_response_items]


async def latency(channel: Channel, jobs: int) -> None:
    watch = Watch()
    follower = asyncio.create_task(watch.follow(channel, "latency"))
    submitted: dict[str, float] = {}
    for _ in range(jobs):
        started = time.perf_counter()
        [job_id] = await submit(channel, "latency", 1)
        submitted[job_id] = started
        await asyncio.sleep(0.05)
    await watch.until_ended(list(submitted), timeout=120)
    await stop(follower)
    failed = [j for j, (_, kind) in watch.ended.items() if kind != "succeeded"]
    to_running = [watch.running[j] - t for j, t in submitted.items() if j in watch.running]
    to_end = [watch.ended[j][0] - t for j, t in submitted.items()]
    print(f"submit -> running   ({len(to_running)} jobs): {percentiles(to_running)} "
          "(target p99 <= 1000 ms)")  # fmt: skip
    print(f"submit -> succeeded ({len(to_end)} jobs): {percentiles(to_end)}; {len(failed)} failed")
    for step, times in watch.steps.items():
        spans = [times[j] - t for j, t in submitted.items() if j in times]
        print(f"  of which submit -> {step:8}: {percentiles(spans)}")


async def floor(port: int, samples: int = 30) -> None:
    """What a job's start cannot beat here: a lease round trip, then spawning `true`."""
    client = ExecutorApiClient(f"127.0.0.1:{port}", use_tls=False, credentials=NoCredentials())
    trips, spawns = [], []
    try:
        for _ in range(samples):  # an executor that takes nothing: no scheduling, no hold
            started = time.perf_counter()
            await client.lease(LeaseRequest(executor_id="bench-probe", pool="default"))
            trips.append(time.perf_counter() - started)
    finally:
        client.close()
    for _ in range(samples):
        spawns.append(await spawn_true())
    print(f"floor: bare LeaseJobRuns round trip {percentiles(trips)}; "
          f"spawning `true` {percentiles(spawns)}")  # fmt: skip


async def spawn_true() -> float:
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec("true")
    await process.wait()
    return time.perf_counter() - started


async def rate(channel: Channel, jobs: int) -> None:
    watch = Watch()
    follower = asyncio.create_task(watch.follow(channel, "rate"))
    await asyncio.sleep(0.2)
    started = time.perf_counter()
    job_ids: list[str] = []
    for _ in range(jobs // 100):
        job_ids += await submit(channel, "rate", 100)
    await watch.until_ended(job_ids, timeout=600)
    elapsed = time.perf_counter() - started
    await stop(follower)
    failed = sum(kind != "succeeded" for _, kind in watch.ended.values())
    print(f"{len(job_ids)} no-op jobs through one executor: {len(job_ids) / elapsed:.1f} jobs/s "
          f"({elapsed:.1f} s, {failed} failed; target >= 50 jobs/s)")  # fmt: skip
    started = time.perf_counter()
    for _ in range(200):
        await spawn_true()
    ceiling = 200 / (time.perf_counter() - started)
    print(f"ceiling: this process spawns `true` one after another at {ceiling:.0f} /s")


async def measure(grpc_port: int, args: argparse.Namespace) -> None:
    channel = Channel("127.0.0.1", grpc_port)
    try:
        await unary(channel, "/api.Submit/CreateQueue", from_json({"name": "bench",
                    "priorityFactor": 1}, QUEUE), EMPTY)  # fmt: skip
        await floor(grpc_port)
        await latency(channel, args.latency_jobs)
        await rate(channel, args.rate_jobs)
    finally:
        channel.close()


def cpu_seconds(process: servers.Process) -> str:
    fields = Path(f"/proc/{process.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return f"{(int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK'):.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency-jobs", type=int, default=100)
    parser.add_argument("--rate-jobs", type=int, default=1000)
    parser.add_argument("--lease-interval", default="1s", help="task.jobLeaseRenewalInterval")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-executor-") as tmp:
        cwd = Path(tmp)
        cwd.chmod(0o711)  # jobs run as nobody when this runs as root
        server = servers.armada(cwd, server_config(cwd))
        runner = executor(cwd, server.ports[0], args.lease_interval)
        try:
            asyncio.run(measure(server.ports[0], args))
            print(f"CPU seconds used: server {cpu_seconds(server)}, executor {cpu_seconds(runner)} "
                  "(jobs' own processes not counted)")  # fmt: skip
        finally:
            runner.stop()
            server.stop()


if __name__ == "__main__":
    main()

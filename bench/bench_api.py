"""The public API over real sockets: gRPC and REST figures, measured in one run.

Run: `nox -s bench` or `python bench/bench_api.py [--replay-events N]`.

The reference server runs in its own process with durable SQLite
(`synchronous=FULL`); clients run in this process. The baseline is a grpclib server
with the same upb messages whose SubmitJobs handler only decodes and answers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from grpclib.client import Channel
from grpclib.const import Cardinality

sys.path.insert(0, str(Path(__file__).resolve().parent))

import servers
from workload import submit_items

from armada_adapters.wire.jsoncodec import from_json
from armada_adapters.wire.pool import message_class

SUBMIT = message_class("api.JobSubmitRequest")
SUBMIT_REPLY = message_class("api.JobSubmitResponse")
QUEUE = message_class("api.Queue")
EMPTY = message_class("google.protobuf.Empty")
JOB_SET = message_class("api.JobSetRequest")
EVENT = message_class("api.EventStreamMessage")


def request(job_set: str, n: int, start: int = 0) -> Any:
    data = {"queue": "bench", "jobSetId": job_set, "jobRequestItems": submit_items(n, start=start)}
    return from_json(data, SUBMIT)


async def unary(channel: Channel, path: str, message: Any, reply: Any) -> Any:
    async with channel.request(path, Cardinality.UNARY_UNARY, type(message), reply) as stream:
        await stream.send_message(message, end=True)
        return await stream.recv_message()


async def rate(
    call: Callable[[], Awaitable[Any]], calls: int, jobs_per_call: int, in_flight: int = 1
) -> float:
    """Jobs/s for `calls` calls, `in_flight` at a time."""
    for _ in range(3):
        await call()  # warm up
    started = time.perf_counter()
    for _ in range(calls // in_flight):
        await asyncio.gather(*(call() for _ in range(in_flight)))
    return (calls // in_flight) * in_flight * jobs_per_call / (time.perf_counter() - started)


def percentiles(samples: list[float]) -> str:
    samples = sorted(samples)
    p50, p99 = samples[len(samples) // 2], samples[int(len(samples) * 0.99) - 1]
    return f"p50 {p50 * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms"


async def submit_rates(port: int, label: str, calls: int) -> None:
    channel = Channel("127.0.0.1", port)
    batch, single = request("b100", 100), request("b1", 1)
    try:
        for size, message in ((1, single), (100, batch)):
            n = calls * (20 if size == 1 else 1)
            for in_flight in (1, 4):
                jobs = await rate(
                    lambda m=message: unary(channel, "/api.Submit/SubmitJobs", m, SUBMIT_REPLY),
                    n,
                    size,
                    in_flight,
                )
                print(
                    f"  {label}: SubmitJobs, batches of {size:>3}, {in_flight} in flight: "
                    f"{jobs:>9,.0f} jobs/s"
                )
    finally:
        channel.close()


async def single_latency(channel: Channel) -> None:
    single = request("latency", 1)
    samples = []
    for _ in range(300):
        started = time.perf_counter()
        await unary(channel, "/api.Submit/SubmitJobs", single, SUBMIT_REPLY)
        samples.append(time.perf_counter() - started)
    print(f"  gRPC single-job submit latency: {percentiles(samples)}   (target p99 <= 10 ms)")


async def fill_job_set(channel: Channel, job_set: str, events: int) -> None:
    """Submit jobs (2 events each) until the job set holds `events` events."""
    jobs = events // 2
    for start in range(0, jobs, 100):
        await unary(channel, "/api.Submit/SubmitJobs", request(job_set, 100, start), SUBMIT_REPLY)


async def grpc_replay(channel: Channel, job_set: str) -> int:
    count = 0
    async with channel.request(
        "/api.Event/GetJobSetEvents", Cardinality.UNARY_STREAM, JOB_SET, EVENT
    ) as stream:
        await stream.send_message(JOB_SET(queue="bench", id=job_set), end=True)
        async for _ in stream:
            count += 1
    return count


async def watcher_latency(channel: Channel) -> None:
    samples = []
    async with channel.request(
        "/api.Event/GetJobSetEvents", Cardinality.UNARY_STREAM, JOB_SET, EVENT
    ) as stream:
        await stream.send_message(JOB_SET(queue="bench", id="watched", watch=True), end=True)
        message = request("watched", 1)
        for _ in range(200):
            started = time.perf_counter()
            await unary(channel, "/api.Submit/SubmitJobs", message, SUBMIT_REPLY)
            await stream.recv_message()  # submitted
            samples.append(time.perf_counter() - started)
            await stream.recv_message()  # queued
        await stream.cancel()
    print(
        f"  submit-to-watcher latency (submit call included): {percentiles(samples)}"
        "   (target p99 <= 20 ms)"
    )


async def rest_figures(http_port: int, job_set: str) -> None:
    body = json.dumps(
        {"queue": "bench", "jobSetId": "rest", "jobRequestItems": submit_items(100)}
    ).encode()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{http_port}", timeout=60) as client:

        async def submit() -> None:
            response = await client.post(
                "/v1/job/submit", content=body, headers={"content-type": "application/json"}
            )
            response.raise_for_status()

        for in_flight in (1, 4):
            jobs = await rate(submit, 30, 100, in_flight)
            print(
                f"  REST: POST /v1/job/submit, batches of 100, {in_flight} in flight: "
                f"{jobs:>9,.0f} jobs/s"
            )
        started, lines = time.perf_counter(), 0
        async with client.stream("POST", f"/v1/job-set/bench/{job_set}", content=b"{}") as response:
            async for _ in response.aiter_lines():
                lines += 1
        elapsed = time.perf_counter() - started
        print(f"  REST: replay of {lines:,} events as stream lines: {lines / elapsed:,.0f} lines/s")


async def armada_figures(grpc_port: int, http_port: int, calls: int, replay: int) -> None:
    channel = Channel("127.0.0.1", grpc_port)
    try:
        await unary(
            channel, "/api.Submit/CreateQueue", QUEUE(name="bench", priority_factor=1), EMPTY
        )
        await submit_rates(grpc_port, "armada-py gRPC", calls)
        await single_latency(channel)
        await fill_job_set(channel, "replay", replay)
        started = time.perf_counter()
        count = await grpc_replay(channel, "replay")
        elapsed = time.perf_counter() - started
        print(
            f"  gRPC replay of a {count:,}-event job set: {count / elapsed:,.0f} events/s"
            "   (target >= 25,000)"
        )
        await watcher_latency(channel)
        await rest_figures(http_port, "replay")
    finally:
        channel.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=40, help="100-job calls per figure")
    parser.add_argument("--replay-events", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print("baseline (no-op grpclib handler, same upb messages):")
        baseline = servers.noop(Path(tmp))
        try:
            asyncio.run(submit_rates(baseline.ports[0], "no-op gRPC", args.calls))
        finally:
            baseline.stop()
        print("armada-py reference server (durable SQLite, synchronous=FULL):")
        config = {"storage": {"backend": "sqlite", "sqlite": {"path": f"{tmp}/armada.db"}}}
        server = servers.armada(Path(tmp), config)
        try:
            asyncio.run(armada_figures(*server.ports, args.calls, args.replay_events))
        finally:
            server.stop()


if __name__ == "__main__":
    main()

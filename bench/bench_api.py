"""The public API over real sockets: gRPC and REST figures, each beside its ceiling.

Run: `nox -s bench` or `python bench/bench_api.py [--calls N] [--replay-events N]`.

The reference server runs in its own process with durable SQLite
(`synchronous=FULL`); clients run in this process. The ceilings are measured in the
same run against a grpclib server in its own process (`noop_server.py`) that speaks
the same upb messages and does no work: its SubmitJobs only decodes and answers, its
GetJobSetEvents sends prebuilt event messages of the same shape and size, one
`send_message` (one socket write) each.

Calls are kept in flight as a continuous window: with 4 in flight, a new call starts
the moment one answers (no group waits for its slowest call).
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
SUBMIT_PATH = "/api.Submit/SubmitJobs"
Figures = dict[str, float]


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
    """Jobs/s for `calls` calls with `in_flight` of them outstanding at every moment.

    A continuous window: each of `in_flight` workers starts its next call as soon as
    its last one answers, so no call waits for the slowest of a group.
    """
    for _ in range(3):
        await call()  # warm up
    left = calls

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            await call()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return calls * jobs_per_call / (time.perf_counter() - started)


def p50_p99(samples: list[float]) -> tuple[float, float]:
    """The median and 99th percentile, in milliseconds."""
    samples = sorted(samples)
    p50, p99 = samples[len(samples) // 2], samples[int(len(samples) * 0.99) - 1]
    return p50 * 1000, p99 * 1000


def percentiles(samples: list[float]) -> str:
    """`p50 … ms, p99 … ms` of latencies in seconds (the other benchmarks' lines)."""
    p50, p99 = p50_p99(samples)
    return f"p50 {p50:.2f} ms, p99 {p99:.2f} ms"


async def submit_rates(channel: Channel, calls: int, figures: Figures) -> None:
    batch, single = request("b100", 100), request("b1", 1)
    for size, message in ((1, single), (100, batch)):
        n = calls * (20 if size == 1 else 1)
        for in_flight in (1, 4):
            figures[f"SubmitJobs, batches of {size}, {in_flight} in flight (jobs/s)"] = await rate(
                lambda m=message: unary(channel, SUBMIT_PATH, m, SUBMIT_REPLY), n, size, in_flight
            )


async def single_latency(channel: Channel, figures: Figures) -> None:
    single = request("latency", 1)
    samples = []
    for _ in range(300):
        started = time.perf_counter()
        await unary(channel, SUBMIT_PATH, single, SUBMIT_REPLY)
        samples.append(time.perf_counter() - started)
    p50, p99 = p50_p99(samples)
    figures["single-job submit p50 (ms)"] = p50
    figures["single-job submit p99 (ms, target <= 10)"] = p99


async def fill_job_set(channel: Channel, job_set: str, events: int) -> None:
    """Submit jobs (2 events each) until the job set holds `events` events."""
    jobs = events // 2
    for start in range(0, jobs, 100):
        await unary(channel, SUBMIT_PATH, request(job_set, 100, start), SUBMIT_REPLY)


async def replay_rate(
    channel: Channel, job_set: str, figures: Figures, server: servers.Process
) -> None:
    count = 0
    cpu = server.cpu_seconds()
    started = time.perf_counter()
    async with channel.request(
        "/api.Event/GetJobSetEvents", Cardinality.UNARY_STREAM, JOB_SET, EVENT
    ) as stream:
        await stream.send_message(JOB_SET(queue="bench", id=job_set), end=True)
        async for _ in stream:
            count += 1
    elapsed = time.perf_counter() - started
    cpu = server.cpu_seconds() - cpu
    figures["GetJobSetEvents replay: events sent"] = count
    figures["GetJobSetEvents replay (events/s, target >= 50,000 and 2x no-op)"] = count / elapsed
    # The server's own CPU time per event: what the replay costs, whatever else the
    # shared machine is running (the rate above also pays for the client's decoding).
    figures["GetJobSetEvents replay: server CPU per event (us)"] = cpu / max(count, 1) * 1e6


async def watcher_latency(channel: Channel, figures: Figures) -> None:
    samples = []
    async with channel.request(
        "/api.Event/GetJobSetEvents", Cardinality.UNARY_STREAM, JOB_SET, EVENT
    ) as stream:
        await stream.send_message(JOB_SET(queue="bench", id="watched", watch=True), end=True)
        message = request("watched", 1)
        for _ in range(200):
            started = time.perf_counter()
            await unary(channel, SUBMIT_PATH, message, SUBMIT_REPLY)
            await stream.recv_message()  # submitted
            samples.append(time.perf_counter() - started)
            await stream.recv_message()  # queued
        await stream.cancel()
    p50, p99 = p50_p99(samples)
    figures["submit-to-watcher p50 (ms, submit call included)"] = p50
    figures["submit-to-watcher p99 (ms, target <= 20)"] = p99


async def rest_figures(http_port: int, job_set: str, figures: Figures) -> None:
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
            figures[f"REST submit, batches of 100, {in_flight} in flight (jobs/s)"] = await rate(
                submit, 30, 100, in_flight
            )
        started, lines = time.perf_counter(), 0
        async with client.stream("POST", f"/v1/job-set/bench/{job_set}", content=b"{}") as response:
            async for _ in response.aiter_lines():
                lines += 1
        elapsed = time.perf_counter() - started
        figures[f"REST replay of {lines:,} events as stream lines (lines/s)"] = lines / elapsed


async def noop_figures(server: servers.Process, calls: int, replay: int) -> Figures:
    figures: Figures = {}
    channel = Channel("127.0.0.1", server.ports[0])
    try:
        await submit_rates(channel, calls, figures)
        await single_latency(channel, figures)
        await replay_rate(channel, f"replay-{replay}", figures, server)
    finally:
        channel.close()
    return figures


async def armada_figures(server: servers.Process, calls: int, replay: int) -> Figures:
    grpc_port, http_port = server.ports
    figures: Figures = {}
    channel = Channel("127.0.0.1", grpc_port)
    try:
        await unary(
            channel, "/api.Submit/CreateQueue", QUEUE(name="bench", priority_factor=1), EMPTY
        )
        await submit_rates(channel, calls, figures)
        await single_latency(channel, figures)
        await fill_job_set(channel, "replay", replay)
        await replay_rate(channel, "replay", figures, server)
        await watcher_latency(channel, figures)
        await rest_figures(http_port, "replay", figures)
    finally:
        channel.close()
    return figures


def report(armada: Figures, ceiling: Figures) -> None:
    """Each figure beside the no-op server's figure for the same thing, when it has one."""
    print(f"  {'':<62} {'armada-py':>11} {'no-op':>11} {'ratio':>7}")
    for name, value in armada.items():
        base = ceiling.get(name)
        if base is None:
            print(f"  {name:<62} {value:>11,.2f}")
        else:
            print(f"  {name:<62} {value:>11,.2f} {base:>11,.2f} {value / base:>6.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=40, help="100-job calls per figure")
    parser.add_argument("--replay-events", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        baseline = servers.noop(Path(tmp))
        try:
            ceiling = asyncio.run(noop_figures(baseline, args.calls, args.replay_events))
        finally:
            baseline.stop()
        config = {"storage": {"backend": "sqlite", "sqlite": {"path": f"{tmp}/armada.db"}}}
        server = servers.armada(Path(tmp), config)
        try:
            figures = asyncio.run(armada_figures(server, args.calls, args.replay_events))
        finally:
            server.stop()
    print("armada-py reference server (durable SQLite, synchronous=FULL) beside the no-op")
    print("grpclib server on the same messages, measured in this run:")
    report(figures, ceiling)


if __name__ == "__main__":
    main()

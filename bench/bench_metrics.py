"""What metrics and the access log cost the submit path, measured in one run.

Run: `python bench/bench_metrics.py [--rounds N] [--calls N] [--queued N]`.

Three reference servers (durable SQLite) run side by side: metrics and the access log
off (the ceiling), metrics on (census every second over `--queued` queued jobs, much
more often than the default 15 s), and both on. Rounds alternate between them, so
load from elsewhere on the machine falls on all three alike; each figure is the median
over the rounds. Printed per variant: 100-job SubmitJobs calls (jobs/s) and single-job
submit latency (p50), beside the ceiling's figure and as a ratio to it. The target:
metrics on at least 0.90x the ceiling's throughput (not measurably slower, given
this machine's noise).
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from grpclib.client import Channel

sys.path.insert(0, str(Path(__file__).resolve().parent))

import servers
from bench_api import EMPTY, QUEUE, SUBMIT_REPLY, fill_job_set, rate, request, unary

CEILING = "metrics off, access log off"
TARGET_RATIO = 0.90


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def variants(folder: str) -> dict[str, dict[str, Any]]:
    def config(name: str, metrics: bool, requests: bool) -> dict[str, Any]:
        return {
            "storage": {"backend": "sqlite", "sqlite": {"path": f"{folder}/{name}.db"}},
            "metricsPort": _free_port() if metrics else 0,
            "metrics": {"refreshInterval": "1s"},
            "logging": {"requests": requests},
        }

    return {
        CEILING: config("off", False, False),
        "metrics on (census every 1 s)": config("metrics", True, False),
        "metrics on, access log on": config("both", True, True),
    }


async def prepare(port: int, queued: int) -> None:
    channel = Channel("127.0.0.1", port)
    try:
        await unary(
            channel, "/api.Submit/CreateQueue", QUEUE(name="bench", priority_factor=1), EMPTY
        )
        await fill_job_set(channel, "backlog", queued * 2)  # queued jobs for the census
    finally:
        channel.close()


async def one_round(port: int, calls: int) -> tuple[float, float]:
    """(jobs/s of 100-job calls, p50 seconds of single-job calls) on one server."""
    channel = Channel("127.0.0.1", port)
    try:
        batch, single = request("b100", 100), request("b1", 1)
        jobs = await rate(
            lambda: unary(channel, "/api.Submit/SubmitJobs", batch, SUBMIT_REPLY), calls, 100
        )
        samples = []
        for _ in range(calls * 5):
            started = time.perf_counter()
            await unary(channel, "/api.Submit/SubmitJobs", single, SUBMIT_REPLY)
            samples.append(time.perf_counter() - started)
        return jobs, statistics.median(samples)
    finally:
        channel.close()


def report(figures: dict[str, list[tuple[float, float]]]) -> None:
    rates = {label: statistics.median(r for r, _ in rows) for label, rows in figures.items()}
    latency = {label: statistics.median(p for _, p in rows) for label, rows in figures.items()}
    ceiling_rate, ceiling_p50 = rates[CEILING], latency[CEILING]
    print(f"ceiling ({CEILING}): {ceiling_rate:,.0f} jobs/s, single-job p50 "
          f"{ceiling_p50 * 1000:.2f} ms")  # fmt: skip
    for label in figures:
        ratio = rates[label] / ceiling_rate
        verdict = "ok" if ratio >= TARGET_RATIO else "SLOWER"
        print(
            f"  {label:32} {rates[label]:>9,.0f} jobs/s = {ratio:.2f}x ceiling "
            f"(target >= {TARGET_RATIO:.2f}x: {verdict}); single-job p50 "
            f"{latency[label] * 1000:.2f} ms = {latency[label] / ceiling_p50:.2f}x ceiling"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per server")
    parser.add_argument("--calls", type=int, default=20, help="100-job calls per round")
    parser.add_argument("--queued", type=int, default=20_000, help="backlog of queued jobs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started: dict[str, servers.Process] = {}
        try:
            for label, config in variants(tmp).items():
                folder = Path(tmp) / str(len(started))
                folder.mkdir()
                started[label] = servers.armada(folder, config)
                asyncio.run(prepare(started[label].ports[0], args.queued))
            figures: dict[str, list[tuple[float, float]]] = {label: [] for label in started}
            for _ in range(args.rounds):
                for label, server in started.items():
                    figures[label].append(asyncio.run(one_round(server.ports[0], args.calls)))
            report(figures)
        finally:
            for server in started.values():
                server.stop()


if __name__ == "__main__":
    main()

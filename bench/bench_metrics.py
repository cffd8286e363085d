"""What metrics and the access log cost the submit path, measured in one run.

Run: `python bench/bench_metrics.py [--rounds N] [--calls N] [--queued N]`.

Four reference servers (durable SQLite) run side by side: metrics and the access log
off (the ceiling); metrics on with the census timer out of the way (1 h: what each
request costs); metrics on with the census every second over `--queued` queued jobs
(15 times the default rate: the census's cost shows); and that with the access log.
Rounds alternate between them (the order rotating each round), so load from elsewhere on
the machine falls on all alike. Printed per variant, medians over the rounds beside the
ceiling's: the server process's CPU time per submitted job (the cost, steady even on a
loaded machine), 100-job SubmitJobs calls (jobs/s) and single-job submit latency (p50),
which on a shared machine vary more than any cost measured here. Each ratio is the
median of each round's ratio to the ceiling's figure of the same round. The target:
metrics on cost at most 1.10x the ceiling's CPU per job on the submit path (census
off); the census rows say what the timer adds at 15 times its default rate.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grpclib.client import Channel

sys.path.insert(0, str(Path(__file__).resolve().parent))

import servers
from bench_api import EMPTY, QUEUE, SUBMIT_REPLY, fill_job_set, rate, request, unary

CEILING = "metrics off, access log off"
SUBMIT_PATH = "metrics on, census off (1 h)"  # the variant the target is for
TARGET_CPU_RATIO = 1.10


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def variants(folder: str) -> dict[str, dict[str, Any]]:
    def config(name: str, metrics: bool, requests: bool, census: str = "1s") -> dict[str, Any]:
        return {
            "storage": {"backend": "sqlite", "sqlite": {"path": f"{folder}/{name}.db"}},
            "metricsPort": _free_port() if metrics else 0,
            "metrics": {"refreshInterval": census},
            "logging": {"requests": requests},
        }

    return {
        CEILING: config("off", False, False),
        "metrics on, census off (1 h)": config("requests", True, False, "1h"),
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


@dataclass(frozen=True)
class Figures:
    """One round on one server."""

    jobs_per_s: float  # 100-job SubmitJobs calls, one in flight
    p50_s: float  # single-job SubmitJobs latency
    cpu_ms_per_job: float  # the server process's CPU time (user + system) per job


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used (Linux `/proc`): far steadier under load than wall time."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def one_round(port: int, pid: int, calls: int) -> Figures:
    channel = Channel("127.0.0.1", port)
    try:
        batch, single = request("b100", 100), request("b1", 1)
        cpu = cpu_seconds(pid)
        jobs = await rate(
            lambda: unary(channel, "/api.Submit/SubmitJobs", batch, SUBMIT_REPLY), calls, 100
        )
        samples = []
        for _ in range(calls * 5):
            started = time.perf_counter()
            await unary(channel, "/api.Submit/SubmitJobs", single, SUBMIT_REPLY)
            samples.append(time.perf_counter() - started)
        used = cpu_seconds(pid) - cpu
        submitted = (calls + 3) * 100 + calls * 5  # `rate` warms up with 3 calls
        return Figures(jobs, statistics.median(samples), used * 1000 / submitted)
    finally:
        channel.close()


def _ratio(rows: list[Figures], ceiling: list[Figures], name: str) -> float:
    """The median of each round's ratio to the ceiling's figure of the same round."""
    pairs = zip(rows, ceiling, strict=True)
    return statistics.median(getattr(row, name) / getattr(top, name) for row, top in pairs)


def _median(rows: list[Figures], name: str) -> float:
    return statistics.median(getattr(row, name) for row in rows)


def report(figures: dict[str, list[Figures]]) -> None:
    ceiling = figures[CEILING]
    print(
        f"ceiling ({CEILING}): {_median(ceiling, 'jobs_per_s'):,.0f} jobs/s, single-job p50 "
        f"{_median(ceiling, 'p50_s') * 1000:.2f} ms, "
        f"server CPU {_median(ceiling, 'cpu_ms_per_job'):.3f} ms/job"
    )
    for label, rows in figures.items():
        cpu = _ratio(rows, ceiling, "cpu_ms_per_job")
        verdict = "ok" if cpu <= TARGET_CPU_RATIO else "COSTLIER"
        target = f" (target <= {TARGET_CPU_RATIO:.2f}x: {verdict})" if label == SUBMIT_PATH else ""
        print(
            f"  {label:32} CPU {_median(rows, 'cpu_ms_per_job'):.3f} ms/job = {cpu:.2f}x "
            f"ceiling{target}; "
            f"{_median(rows, 'jobs_per_s'):,.0f} jobs/s = "
            f"{_ratio(rows, ceiling, 'jobs_per_s'):.2f}x; single-job p50 "
            f"{_median(rows, 'p50_s') * 1000:.2f} ms = {_ratio(rows, ceiling, 'p50_s'):.2f}x"
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
            figures: dict[str, list[Figures]] = {label: [] for label in started}
            labels = list(started)
            for round_number in range(args.rounds):
                shift = round_number % len(labels)
                for label in labels[shift:] + labels[:shift]:
                    server = started[label]
                    rounds = one_round(server.ports[0], server.proc.pid, args.calls)
                    figures[label].append(asyncio.run(rounds))
            report(figures)
        finally:
            for server in started.values():
                server.stop()


if __name__ == "__main__":
    main()

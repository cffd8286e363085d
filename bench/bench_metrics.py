"""What metrics and the access log cost the submit path, measured in one run.

Run: `python bench/bench_metrics.py [--calls N] [--queued N]`.

The same reference server (durable SQLite) is started three times: with metrics and
the access log off, with metrics on (census every second, over `--queued` queued
jobs, much more often than the default 15 s), and with both on. Each time the same
gRPC submit figures and single-job latency of `bench_api` are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

from grpclib.client import Channel

sys.path.insert(0, str(Path(__file__).resolve().parent))

import servers
from bench_api import EMPTY, QUEUE, fill_job_set, single_latency, submit_rates, unary


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
        "metrics off, access log off": config("off", False, False),
        "metrics on (census every 1 s)": config("metrics", True, False),
        "metrics on, access log on": config("both", True, True),
    }


async def figures(grpc_port: int, label: str, calls: int, queued: int) -> None:
    channel = Channel("127.0.0.1", grpc_port)
    try:
        await unary(
            channel, "/api.Submit/CreateQueue", QUEUE(name="bench", priority_factor=1), EMPTY
        )
        await fill_job_set(channel, "backlog", queued * 2)  # queued jobs for the census
        await submit_rates(grpc_port, label, calls)
        await single_latency(channel)
    finally:
        channel.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=40, help="100-job calls per figure")
    parser.add_argument("--queued", type=int, default=20_000, help="backlog of queued jobs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for label, config in variants(tmp).items():
            print(f"{label}:")
            server = servers.armada(Path(tmp), config)
            try:
                asyncio.run(figures(server.ports[0], label, args.calls, args.queued))
            finally:
                server.stop()


if __name__ == "__main__":
    main()

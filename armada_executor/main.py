"""`armada-executor`: run the local executor, or show a job's logs (`logs JOB_ID [--follow]`)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
import time
from collections.abc import Sequence
from contextlib import AsyncExitStack
from pathlib import Path

from armada_executor.assembly import assemble, log_store
from armada_executor.binoculars import log_lines
from armada_executor.capacity import host_resources
from armada_executor.config import ConfigError, ExecutorConfig, load_config
from armada_executor.registry import Registry

FOLLOW_POLL_SECONDS = 0.5


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="armada-executor", description=__doc__)
    parser.add_argument("--config", help="executor config file (YAML, Armada's executor keys)")
    commands = parser.add_subparsers(dest="command")
    logs = commands.add_parser("logs", help="print the logs of a job's latest run here")
    logs.add_argument("job_id")
    logs.add_argument("-f", "--follow", action="store_true", help="keep printing new lines")
    logs.add_argument("-c", "--container", default="", help="one container (default: all)")
    logs.add_argument("--timestamps", action="store_true", help="prefix each line with its time")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        config = load_config(Path(args.config) if args.config else None)
        if args.command == "logs":
            return _logs_or_why(config, args)
        asyncio.run(serve(config))
    except ConfigError as exc:
        print(f"armada-executor: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


async def serve(config: ExecutorConfig) -> None:
    """Run until SIGTERM or SIGINT."""
    async with AsyncExitStack() as stack:
        assembled = await assemble(config, stack)
        total = host_resources(config.local.capacity, config.local.work_dir)
        port, http_port = assembled.binoculars_port, assembled.binoculars_http_port
        logs = f"; Binoculars Logs on port {port}" if port is not None else ""
        logs += f"; Binoculars REST on port {http_port}" if http_port is not None else ""
        print(
            f"armada-executor ready: leasing from {config.armada_url} as {config.cluster_id} "
            f"(cpu {total['cpu']}, memory {total['memory']}){logs}",
            file=sys.stderr,
            flush=True,
        )
        task = asyncio.create_task(assembled.executor.run())
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _logs_or_why(config: ExecutorConfig, args: argparse.Namespace) -> int:
    try:
        return show_logs(config, args)
    except OSError as exc:  # e.g. the logs belong to the account the executor ran as
        print(f"armada-executor: cannot read logs: {exc.strerror or exc}", file=sys.stderr)
        return 1


def show_logs(config: ExecutorConfig, args: argparse.Namespace) -> int:
    store = log_store(config)
    printed = 0
    while True:
        lines = log_lines(store, args.job_id, args.container)
        if lines is None:
            print(f"armada-executor: no logs of job {args.job_id} here", file=sys.stderr)
            return 1
        for line in lines[printed:]:
            print(f"{line.timestamp} {line.line}" if args.timestamps else line.line, flush=True)
        printed = len(lines)
        if not args.follow or not _still_running(config, args.job_id):
            return 0
        time.sleep(FOLLOW_POLL_SECONDS)


def _still_running(config: ExecutorConfig, job_id: str) -> bool:
    registry = Registry(config.local.work_dir.resolve() / "registry")
    return any(r.job_id == job_id and r.final_report is None for r in registry.leftovers())

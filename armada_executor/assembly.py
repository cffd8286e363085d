"""Building a running executor from its configuration (the executor's composition root)."""

from __future__ import annotations

import asyncio
import functools
import logging
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any, cast

import uvicorn
from grpclib.server import Server

from armada_adapters.server.http_protocol import TimedH11Protocol
from armada_adapters.server.listeners import _EmbeddedUvicorn, bind
from armada_executor.binoculars import BinocularsLogs
from armada_executor.binoculars_http import binoculars_app
from armada_executor.capacity import Capacity, host_resources
from armada_executor.cgroups import CgroupV2
from armada_executor.client import ExecutorApiClient
from armada_executor.config import ConfigError, ExecutorConfig
from armada_executor.credentials import credentials_for
from armada_executor.executor import LocalExecutor
from armada_executor.files import FileWork
from armada_executor.logs import LogStore
from armada_executor.process import SETPRIV, RunAs
from armada_executor.registry import Registry
from armada_executor.runner import Host
from armada_executor.workspace import Workspace

logger = logging.getLogger(__name__)

HTTP_HEADER_SECONDS, HTTP_BODY_SECONDS, HTTP_IDLE_SECONDS = 10.0, 30.0, 5
HTTP_MAX_CONNECTIONS = 64


def build_host(config: ExecutorConfig) -> Host:
    local = config.local
    try:
        run_as = RunAs.for_executor(local.run_as_user)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    root = local.work_dir.resolve()
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o711)  # the jobs' account must reach its own run directory, nothing more
    files = FileWork()
    return Host(
        workspace=Workspace(root / "runs", run_as),
        logs=log_store(config),
        registry=Registry(root / "registry", files),
        run_as=run_as,
        allowed_programs=local.allowed_programs,
        max_log_bytes=local.log_retention.max_bytes_per_container,
        files=files,
        cgroups=CgroupV2.detect() if SETPRIV is not None else None,
    )


def log_store(config: ExecutorConfig) -> LogStore:
    retention = config.local.log_retention
    root = config.local.work_dir.resolve() / "logs"
    return LogStore(root, retention.max_runs, retention.max_age_seconds)


@dataclass(frozen=True, slots=True)
class Assembled:
    executor: LocalExecutor
    binoculars_port: int | None
    binoculars_http_port: int | None = None


async def assemble(config: ExecutorConfig, stack: AsyncExitStack) -> Assembled:
    """The executor and its Binoculars listener (closed by `stack`)."""
    host = build_host(config)
    stack.callback(host.files.close)
    limits = "cgroup v2 (memory, cpu)" if host.cgroups else "RLIMIT_AS (memory only)"
    logger.info("container limits: %s", limits)
    try:
        client = ExecutorApiClient(
            config.armada_url,
            use_tls=config.use_tls,
            credentials=credentials_for(config),
            lease_wait_seconds=config.lease_interval_seconds,
        )
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    stack.callback(client.close)
    capacity = Capacity(host_resources(config.local.capacity, config.local.work_dir))
    executor = LocalExecutor(config, client, host, capacity)
    port = await _binoculars(config, host, stack)
    http_port = await _binoculars_http(config, host, stack)
    return Assembled(executor, port, http_port)


async def _binoculars(config: ExecutorConfig, host: Host, stack: AsyncExitStack) -> int | None:
    if config.local.binoculars_port is None:
        return None
    sock = bind(config.local.binoculars_address, config.local.binoculars_port)
    server = Server([BinocularsLogs(host.logs)])
    await server.start(sock=sock)
    stack.push_async_callback(_close, server)
    return int(sock.getsockname()[1])


async def _close(server: Server) -> None:
    server.close()
    await server.wait_closed()


async def _binoculars_http(config: ExecutorConfig, host: Host, stack: AsyncExitStack) -> int | None:
    """Binoculars' REST route on its own port, read deadlines and a connection cap as
    the server's REST listener has."""
    if config.local.binoculars_http_port is None:
        return None
    sock = bind(config.local.binoculars_address, config.local.binoculars_http_port)
    protocol = functools.partial(
        TimedH11Protocol, header_timeout=HTTP_HEADER_SECONDS, body_timeout=HTTP_BODY_SECONDS
    )
    server = _EmbeddedUvicorn(
        uvicorn.Config(
            binoculars_app(host.logs),
            http=cast("type[asyncio.Protocol]", protocol),
            lifespan="off",
            log_config=None,
            access_log=False,
            timeout_keep_alive=HTTP_IDLE_SECONDS,
            limit_concurrency=HTTP_MAX_CONNECTIONS,
        )
    )
    task = asyncio.create_task(server.serve(sockets=[sock]), name="binoculars-http")
    stack.push_async_callback(_stop_http, server, task)
    return int(sock.getsockname()[1])


async def _stop_http(server: Any, task: asyncio.Task[None]) -> None:
    server.should_exit = True
    await task

"""The local executor inside the server (`localExecutor: {enabled: true}`, or no config file).

It is started after the listeners, as a client of the server's own gRPC port (decision
E7: the executor API, never a side door into the core), and stopped before them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from contextlib import AsyncExitStack

from armada_adapters.server.config import ServerConfig
from armada_executor import ConfigError as ExecutorConfigError
from armada_executor import ExecutorConfig
from armada_executor.embedded import embedded_config, run_embedded

logger = logging.getLogger(__name__)


def local_executor_config(config: ServerConfig, grpc_port: int) -> ExecutorConfig | None:
    """The embedded executor's configuration, None when it is off (checked when read)."""
    return embedded_config(config.local_executor, grpc_port)


async def start_local_executor(config: ServerConfig, grpc_port: int, stack: AsyncExitStack) -> None:
    """Run the executor in the background if configured; `stack` stops it."""
    executor_config = local_executor_config(config, grpc_port)
    if executor_config is None:
        return
    task = asyncio.create_task(_run(executor_config), name="armada-local-executor")
    stack.push_async_callback(_stop, task)
    logger.info(
        "local executor started: jobs run on this machine as processes, work dir %s",
        executor_config.local.work_dir,
    )


async def _run(config: ExecutorConfig) -> None:
    try:
        await run_embedded(config)
    except (ExecutorConfigError, OSError) as exc:
        logger.error("the local executor stopped: %s", exc)
    except Exception:  # the boundary: the server keeps serving without it
        logger.exception("the local executor failed")


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task

"""The executor inside the reference server: a client of the server's own gRPC port (E7).

The server's `localExecutor:` section holds `enabled` and the executor's own keys
(`application`, `executorApiConnection`, `task`, `local`), read by the same policy as
the executor's file; `armadaUrl` defaults to the server's gRPC listener on the loopback
address.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import replace

from armada_executor.assembly import assemble
from armada_executor.config import ExecutorConfig, LocalExecutorSection


def embedded_config(section: LocalExecutorSection | None, grpc_port: int) -> ExecutorConfig | None:
    """The executor's config from the server's `localExecutor:` section; None if not enabled."""
    if section is None or not section.enabled:
        return None
    config = section.to_config()
    if section.executor_api_connection.armada_url is None:
        config = replace(config, armada_url=f"127.0.0.1:{grpc_port}", force_no_tls=True)
    return config


async def run_embedded(config: ExecutorConfig) -> None:
    """Run the executor until cancelled."""
    async with AsyncExitStack() as stack:
        assembled = await assemble(config, stack)
        await assembled.executor.run()

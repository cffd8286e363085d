"""The executor inside the reference server: a client of the server's own gRPC port (E7).

The server's `localExecutor:` section holds `enabled` and the executor's own keys
(`application`, `executorApiConnection`, `task`, `local`); `armadaUrl` defaults to the
server's gRPC listener on the loopback address.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AsyncExitStack
from dataclasses import replace
from typing import Any

from armada_config import values
from armada_executor.assembly import assemble
from armada_executor.config import ConfigError, ExecutorConfig, parse_config

ENABLED = "enabled"


def embedded_config(section: Mapping[str, Any] | None, grpc_port: int) -> ExecutorConfig | None:
    """The executor's config from the server's `localExecutor:` section; None if not enabled."""
    if section is None:
        return None
    if not isinstance(section, Mapping):
        raise ConfigError("localExecutor must be a mapping")
    rest = {k: v for k, v in section.items() if str(k).lower() != ENABLED}
    enabled = next((v for k, v in section.items() if str(k).lower() == ENABLED), False)
    try:
        if not values.boolean(enabled):
            return None
    except TypeError as exc:
        raise ConfigError(f"localExecutor.enabled: {exc}") from None
    config = parse_config(rest)
    if not _names_url(rest):
        config = replace(config, armada_url=f"127.0.0.1:{grpc_port}", force_no_tls=True)
    return config


async def run_embedded(config: ExecutorConfig) -> None:
    """Run the executor until cancelled."""
    async with AsyncExitStack() as stack:
        assembled = await assemble(config, stack)
        await assembled.executor.run()


def _names_url(data: Mapping[str, Any]) -> bool:
    for key, section in data.items():
        if str(key).lower() == "executorapiconnection" and isinstance(section, Mapping):
            return any(str(k).lower() == "armadaurl" for k in section)
    return False

"""Where the web UI's job page reads logs from (composition root).

The in-process local executor's logs are read from its log store with the function
its Binoculars answers with (`armada_executor.binoculars.log_lines`); any other
cluster's through `ui.binocularsUrl`.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from armada_adapters.server.config import ServerConfig
from armada_adapters.server.local_executor import local_executor_config
from armada_executor.assembly import log_store
from armada_executor.binoculars import log_lines
from armada_executor.logs import LogStore

if TYPE_CHECKING:
    from armada_adapters.ui.logs import LogReader, LogSources


def ui_log_sources(config: ServerConfig) -> LogSources | None:
    """The UI's log sources; None when the UI is off."""
    if not config.ui_enabled:
        return None
    from armada_adapters.ui.logs import LogSources  # jinja2 only when the UI is on

    readers: dict[str, LogReader] = {}
    executor = local_executor_config(config, config.grpc_port)
    if executor is not None:
        readers[executor.cluster_id] = functools.partial(_read, log_store(executor))
    return LogSources(readers, config.ui.binoculars_url)


def _read(store: LogStore, job_id: str, tail: int) -> list[tuple[str, str]] | None:
    lines = log_lines(store, job_id, tail=tail)
    return None if lines is None else [(line.timestamp, line.line) for line in lines]

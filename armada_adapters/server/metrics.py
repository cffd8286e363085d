"""The metrics listener (`metricsPort`) and what feeds it, started by the composition root.

`start_metrics` builds the `ServerMetrics`, tells the storage to report its commits,
starts the census timer (`metrics.refreshInterval`) and serves `GET /metrics` in
Prometheus' text format on its own port, on the same host as the other listeners.

Hooks for the executor API (not fed yet): pass a `RunCensusSource` as `runs` for
`armada_queue_resource_allocated`, `armada_job_run_time_seconds` and
`armada_cluster_capacity`; give the scheduler `MetricsServer.metrics` as its
`SchedulerObserver` for the cycle time, placements and leader status.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import uvicorn
from prometheus_client import make_asgi_app
from starlette.types import ASGIApp, Receive, Scope, Send

from armada_adapters.observability.census import CensusRefresher
from armada_adapters.observability.metrics import ServerMetrics
from armada_adapters.server.config import ServerConfig
from armada_adapters.server.listeners import _EmbeddedUvicorn, bind
from armada_core.census import RunCensusSource
from armada_core.observers import ObservableStorage
from armada_core.ports import Storage

logger = logging.getLogger(__name__)

PATH = "/metrics"


class MetricsServer:
    """The running metrics listener and census timer."""

    def __init__(
        self,
        metrics: ServerMetrics,
        port: int,
        http: _EmbeddedUvicorn,
        tasks: tuple[asyncio.Task[None], asyncio.Task[None]],
    ) -> None:
        self.metrics = metrics
        self.port = port
        self._http = http
        self._tasks = tasks

    async def aclose(self) -> None:
        """Stop the timer and the listener."""
        http_task, census_task = self._tasks
        census_task.cancel()
        self._http.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await census_task
        try:
            await http_task
        except Exception:
            logger.exception("the metrics listener failed")


async def start_metrics(
    config: ServerConfig,
    storage: Storage,
    *,
    pool: str,
    runs: RunCensusSource | None = None,
) -> MetricsServer:
    """Bind `metricsPort` and serve; OSError if the port is taken."""
    sock = bind(config.bind_address, config.metrics_port or 0)
    metrics = ServerMetrics()
    if isinstance(storage, ObservableStorage):
        storage.observe_commits(metrics.commit)
    census = CensusRefresher(
        storage,
        metrics.registry,
        interval=config.metrics_refresh_seconds,
        pool=pool,
        runs=runs,
    )
    http = _EmbeddedUvicorn(
        uvicorn.Config(_metrics_app(metrics), lifespan="off", log_config=None, access_log=False)
    )
    http_task = asyncio.create_task(http.serve(sockets=[sock]), name="armada-metrics")
    census_task = asyncio.create_task(census.run(), name="armada-metrics-census")
    return MetricsServer(metrics, int(sock.getsockname()[1]), http, (http_task, census_task))


def _metrics_app(metrics: ServerMetrics) -> ASGIApp:
    exposition = make_asgi_app(metrics.registry)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == PATH:
            await exposition(scope, receive, send)
            return
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b"not found; try /metrics\n"})

    return app

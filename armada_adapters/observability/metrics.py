"""The server's Prometheus metrics, in a registry of their own (one per server).

Names and labels follow Armada where it has the same figure: the gRPC server
metrics of go-grpc-middleware (`grpc_server_*`, `grpc_code` spelt as Go spells it
(`OK`, `InvalidArgument`, `Internal`), with Armada's extra `user` label
where the caller is known), `armada_event_api_active_subscriptions{user}` for live
watchers. The rest are ours (`armada_http_*`, `armada_storage_*`,
`armada_scheduler_*`). Queue and job figures come from the census (`census.py`).

`ServerMetrics` is the observer every hook reports to: requests (`RequestObserver`),
commits (`CommitObserver`, `commit`), the scheduler (`SchedulerObserver`).
"""

from __future__ import annotations

import functools
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from armada_adapters.observability.record import RequestRecord
from armada_adapters.wire.errors import StatusCode, go_code_name

# go-grpc-middleware's buckets as Armada configures them (0.001 ... 120 s).
LATENCY_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
COMMIT_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
CYCLE_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
_GRPC = ("grpc_type", "grpc_service", "grpc_method")


class ServerMetrics:
    """Every metric fed by an event (the census ones are fed by its timer)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        # (metric, label values) -> child: prometheus_client's `labels()` costs a lock and
        # checks per call; the registry holds every child anyway, so this adds none.
        self._children: dict[tuple[int, tuple[str, ...]], Any] = {}
        reg = self.registry
        self.grpc_started = Counter(
            "grpc_server_started_total", "RPCs started on the server.", _GRPC, registry=reg
        )
        self.grpc_handled = Counter(
            "grpc_server_handled_total",
            "RPCs completed on the server, whatever their status.",
            (*_GRPC, "grpc_code", "user"),
            registry=reg,
        )
        self.grpc_seconds = Histogram(
            "grpc_server_handling_seconds",
            "Time from an RPC's arrival to its end (streams: until they close).",
            (*_GRPC, "user"),
            buckets=LATENCY_BUCKETS,
            registry=reg,
        )
        self.http_requests = Counter(
            "armada_http_requests_total",
            "REST requests answered, by route template and HTTP status.",
            ("method", "route", "code"),
            registry=reg,
        )
        self.http_seconds = Histogram(
            "armada_http_request_duration_seconds",
            "Time to answer a REST request (streams: until they close).",
            ("method", "route"),
            buckets=LATENCY_BUCKETS,
            registry=reg,
        )
        self.watchers = Gauge(
            "armada_event_api_active_subscriptions",
            "Open job set event streams (gRPC and REST), by caller.",
            ("user",),
            registry=reg,
        )
        self.commit_seconds = Histogram(
            "armada_storage_commit_seconds",
            "Time of one write transaction (SQLite: one group commit).",
            buckets=COMMIT_BUCKETS,
            registry=reg,
        )
        self.commit_writes = Histogram(
            "armada_storage_commit_writes",
            "Writes committed together in one transaction.",
            buckets=BATCH_BUCKETS,
            registry=reg,
        )
        self.cycle_seconds = Histogram(
            "armada_scheduler_cycle_seconds",
            "Time of one scheduling cycle.",
            buckets=CYCLE_BUCKETS,
            registry=reg,
        )
        self.placements = Counter(
            "armada_scheduler_placements_total", "Jobs placed by scheduling cycles.", registry=reg
        )
        self.leader = Gauge(
            "armada_scheduler_leader_status",
            "1 while this process is the scheduling leader, else 0.",
            registry=reg,
        )

    # --- RequestObserver ---------------------------------------------------------------

    def watch_opened(self, principal: str) -> None:
        self._child(self.watchers, principal).inc()

    def watch_closed(self, principal: str) -> None:
        self._child(self.watchers, principal).dec()

    def finished(self, record: RequestRecord) -> None:
        if record.protocol == "grpc":
            self._grpc_finished(record)
        else:
            self._child(self.http_requests, record.verb, record.method, record.status).inc()
            self._child(self.http_seconds, record.verb, record.method).observe(record.seconds)

    def started(self, protocol: str, method: str, streaming: bool) -> None:
        if protocol == "grpc":
            self._child(self.grpc_started, *grpc_labels(method, streaming)).inc()

    def _grpc_finished(self, record: RequestRecord) -> None:
        labels = grpc_labels(record.method, record.streaming)
        code = grpc_code(record.status)
        self._child(self.grpc_handled, *labels, code, record.principal).inc()
        self._child(self.grpc_seconds, *labels, record.principal).observe(record.seconds)

    def _child(self, metric: Any, *labels: str) -> Any:
        key = (id(metric), labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    # --- CommitObserver, SchedulerObserver -------------------------------------------

    def commit(self, seconds: float, writes: int) -> None:
        """A write transaction committed (the storage's `CommitObserver`)."""
        self.commit_seconds.observe(seconds)
        self.commit_writes.observe(writes)

    def cycle_finished(self, seconds: float, placements: int) -> None:
        self.cycle_seconds.observe(seconds)
        self.placements.inc(placements)

    def leadership_changed(self, leader: bool) -> None:
        self.leader.set(1 if leader else 0)


@functools.lru_cache(maxsize=256)
def grpc_code(status: str) -> str:
    """`grpc_code` as go-grpc-middleware writes it (`InvalidArgument`, grpc-go's
    `codes.Code.String()`), so Armada's dashboards and alerts match."""
    code = StatusCode.__members__.get(status)
    return status if code is None else go_code_name(code)


@functools.lru_cache(maxsize=1024)  # bounded: a client may send any method path
def grpc_labels(method: str, streaming: bool) -> tuple[str, str, str]:
    """`grpc_type`, `grpc_service`, `grpc_method` of a method path `/pkg.Service/Method`."""
    service, _, name = method.lstrip("/").partition("/")
    return ("server_stream" if streaming else "unary", service, name)

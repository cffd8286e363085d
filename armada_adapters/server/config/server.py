"""`ServerConfig`: the server's config file, one field per top-level key.

To add a section (say `ui:`): write a frozen dataclass for it here or in its
own module (fields = keys, defaults = what no file means; see `policy` for the field
types), and add one field to `ServerConfig`:

    ui: UiSection = field(default_factory=UiSection)

That is all: the key is matched ignoring case, unknown keys in it are refused with
their path, scalar leaves get `ARMADA_UI_<KEY>` environment overrides, and
the composition root reads `config.ui`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, ClassVar

from armada_adapters.observability.log_format import FORMATS as LOG_FORMATS
from armada_adapters.server.config.connections import ConnectionSettings
from armada_adapters.server.config.scheduler import SchedulerSection
from armada_adapters.server.config.submission import read_submission
from armada_adapters.wire.limits import DEFAULT_MAX_MESSAGE_BYTES
from armada_config.policy import KEY, Read, Seconds
from armada_core.config import DEFAULT_MAX_REQUEST_ITEMS
from armada_core.submission import SubmissionConfig
from armada_executor.config import LocalExecutorSection

DEFAULT_SQLITE_PATH = "data/armada.db"
DEFAULT_METRICS_PORT = 9000  # Armada's; the config file's default (embedding: off)
DEFAULT_CORS_ORIGINS = ("http://localhost:3000", "http://localhost:8089", "http://localhost:10000")


def _default_storage() -> Mapping[str, Any]:
    return {"backend": "sqlite", "sqlite": {"path": DEFAULT_SQLITE_PATH}}


@dataclass(frozen=True, slots=True)
class QueryApi:
    """`queryapi`: most ids one api.Jobs query may name (Armada's key)."""

    max_query_items: int = 500


@dataclass(frozen=True, slots=True)
class RequestLimits:
    """`requestLimits` (ours; Armada's server has gRPC's 4 MiB and no item cap)."""

    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    max_items: int = DEFAULT_MAX_REQUEST_ITEMS

    def __post_init__(self) -> None:
        for name, key in (("max_message_bytes", "maxMessageBytes"), ("max_items", "maxItems")):
            if getattr(self, name) < 1:
                raise ValueError(f"requestLimits.{key} must be at least 1")


@dataclass(frozen=True, slots=True)
class MetricsSection:
    """`metrics`: how often the gauges that need a scan are recomputed."""

    refresh_interval: Seconds = 15.0

    def __post_init__(self) -> None:
        if self.refresh_interval <= 0:
            raise ValueError("metrics.refreshInterval must be positive")


@dataclass(frozen=True, slots=True)
class LoggingSection:
    """`logging`: the log format and the per-request lines."""

    format: str = "text"
    requests: bool = True
    health_checks: bool = False

    def __post_init__(self) -> None:
        if self.format not in LOG_FORMATS:
            raise ValueError(
                f"logging.format must be one of {', '.join(LOG_FORMATS)}, got {self.format!r}"
            )


@dataclass(frozen=True, slots=True)
class UiSection:
    """`ui`: the web UI at / and /lookout.

    `binocularsUrl`: the gRPC `host:port` of the Binoculars serving a cluster's logs,
    `{CLUSTER_ID}` replaced by the cluster of the job's latest run ("" = none; the
    in-process local executor's logs are read without it).
    """

    enabled: bool = True
    binoculars_url: str = ""


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Everything the composition root needs; `source` is the file read, if any.

    `storage` and `auth` are handed to their plugins, which read them (with
    `policy.read_section`); `auth` None means no authentication configured.
    """

    # Armada server keys that configure infrastructure we do not have.
    armada_unused: ClassVar[tuple[str, ...]] = (
        "grpcGatewayPath",
        "queueCacheRefreshPeriod",
        "grpc",
        "pulsar",
        "redis",
        "eventsApiRedis",
        "postgres",
        "schedulerApiConnection",
        "cancelJobsBatchSize",
        "profiling",
        "httpTls",
        "eventApi",
        "uiConfig",
        "leaderConfig",
        "scheduling",
    )

    grpc_port: int = 50051
    http_port: int = 8080
    metrics_port: int | None = None  # None or 0: no metrics listener
    bind_address: str = "0.0.0.0"
    cors_allowed_origins: tuple[str, ...] = DEFAULT_CORS_ORIGINS
    storage: Mapping[str, Any] = field(default_factory=_default_storage)
    submission: Annotated[SubmissionConfig, Read(read_submission)] = field(
        default_factory=SubmissionConfig
    )
    auth: Mapping[str, Any] | None = None
    queryapi: QueryApi = field(default_factory=QueryApi, metadata={KEY: "queryapi"})
    request_limits: RequestLimits = field(default_factory=RequestLimits)
    shutdown_grace_period: Seconds = 10.0
    connections: ConnectionSettings = field(default_factory=ConnectionSettings)
    metrics: MetricsSection = field(default_factory=MetricsSection)
    logging: LoggingSection = field(default_factory=LoggingSection)
    ui: UiSection = field(default_factory=UiSection)
    scheduler: SchedulerSection = field(default_factory=SchedulerSection)
    local_executor: LocalExecutorSection | None = None  # None: not configured
    source: Path | None = field(default=None, metadata={KEY: None})

    def __post_init__(self) -> None:
        for key in ("grpcPort", "httpPort", "metricsPort"):
            port = getattr(self, key.replace("Port", "_port"))
            if port is not None and not 0 <= port <= 65535:
                raise ValueError(f"{key} must be a port number (0-65535), got {port}")

    @property
    def metrics_enabled(self) -> bool:
        """Whether a metrics listener runs (`metricsPort` set and not 0)."""
        return bool(self.metrics_port)

    @property
    def authentication_configured(self) -> bool:
        """False: anonymous access with every user-facing permission for everyone."""
        return self.auth is not None

    # The names the listeners and the bootstrap read.
    @property
    def max_query_items(self) -> int:
        return self.queryapi.max_query_items

    @property
    def max_message_bytes(self) -> int:
        return self.request_limits.max_message_bytes

    @property
    def max_request_items(self) -> int:
        return self.request_limits.max_items

    @property
    def shutdown_grace_seconds(self) -> float:
        return self.shutdown_grace_period

    @property
    def metrics_refresh_seconds(self) -> float:
        return self.metrics.refresh_interval

    @property
    def log_format(self) -> str:
        return self.logging.format

    @property
    def log_requests(self) -> bool:
        return self.logging.requests

    @property
    def log_health_checks(self) -> bool:
        return self.logging.health_checks

    @property
    def ui_enabled(self) -> bool:
        return self.ui.enabled

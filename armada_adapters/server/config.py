"""The reference server's configuration: Armada's YAML keys, read into one value.

Top-level keys are matched ignoring case, as Armada's loader (viper) does. Keys of
Armada's server config that have no meaning here (Pulsar, Redis, metrics...) are
accepted with a warning so existing configs carry over; any other key is an error.
Sections owned by other components (`storage`, `submission`, `auth`, `scheduler`) are handed over
as mappings and checked by them.

As in Armada, environment variables override the file: `ARMADA_GRPCPORT`,
`ARMADA_HTTPPORT`, `ARMADA_METRICSPORT`, `ARMADA_BINDADDRESS`,
`ARMADA_SHUTDOWNGRACEPERIOD` (the key in
upper case; values are read as YAML scalars).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from armada_adapters.observability.log_format import FORMATS as LOG_FORMATS
from armada_adapters.server.config_keys import known_keys
from armada_adapters.server.connection_settings import KEYS as CONNECTION_KEYS
from armada_adapters.server.connection_settings import ConnectionSettings
from armada_adapters.wire.limits import DEFAULT_MAX_MESSAGE_BYTES
from armada_core.config import DEFAULT_MAX_REQUEST_ITEMS

logger = logging.getLogger(__name__)

CONFIG_ENV = "ARMADA_CONFIG"
ENV_PREFIX = "ARMADA_"
ENV_KEYS = ("grpcPort", "httpPort", "metricsPort", "bindAddress", "shutdownGracePeriod")
DEFAULT_SQLITE_PATH = "data/armada.db"
DEFAULT_METRICS_PORT = 9000  # Armada's; the config file's default (embedding: off)
# Without a config file the server is a one-command development stack: reachable from this
# machine only (everyone is anonymous with every permission) and running jobs itself.
NO_FILE_DEFAULTS = {"bindAddress": "127.0.0.1", "localExecutor": {"enabled": True}}
DEFAULT_CORS_ORIGINS = ("http://localhost:3000", "http://localhost:8089", "http://localhost:10000")

KNOWN = (
    "grpcPort",
    "httpPort",
    "metricsPort",
    "metrics",
    "logging",
    "bindAddress",
    "corsAllowedOrigins",
    "storage",
    "submission",
    "auth",
    "queryapi",
    "shutdownGracePeriod",
    "scheduler",
    "connections",
    "requestLimits",
    "ui",
    "localExecutor",
)
# Armada server keys that configure infrastructure we do not have: warned, not refused.
IGNORED = (
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
# `requestLimits` (ours; Armada's server has gRPC's 4 MiB and no item cap):
# ServerConfig field → key.
LIMIT_KEYS = {"max_message_bytes": "maxMessageBytes", "max_request_items": "maxItems"}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


class ConfigError(Exception):
    """The configuration cannot be used; the message is one plain line."""


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Everything the composition root needs; `source` is the file read, if any."""

    grpc_port: int = 50051
    http_port: int = 8080
    bind_address: str = "0.0.0.0"
    cors_allowed_origins: tuple[str, ...] = DEFAULT_CORS_ORIGINS
    storage: Mapping[str, Any] = field(
        default_factory=lambda: {"backend": "sqlite", "sqlite": {"path": DEFAULT_SQLITE_PATH}}
    )
    submission: Mapping[str, Any] = field(default_factory=dict)
    auth: Mapping[str, Any] | None = None
    scheduler: Mapping[str, Any] = field(default_factory=dict)
    max_query_items: int = 500
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    max_request_items: int = DEFAULT_MAX_REQUEST_ITEMS
    shutdown_grace_seconds: float = 10.0
    connections: ConnectionSettings = field(default_factory=ConnectionSettings)
    metrics_port: int | None = None  # None or 0: no metrics listener
    metrics_refresh_seconds: float = 15.0
    log_format: str = "text"
    log_requests: bool = True
    log_health_checks: bool = False
    ui_enabled: bool = True  # `ui.enabled`: the web UI at / and /lookout
    local_executor: Mapping[str, Any] | None = None  # `localExecutor:`; None: not configured
    source: Path | None = None

    def __post_init__(self) -> None:
        for name in ("grpc_port", "http_port", "metrics_port"):
            port = getattr(self, name)
            if port is not None and not 0 <= port <= 65535:
                raise ConfigError(f"{name} must be a port number (0-65535), got {port}")
        for name, key in LIMIT_KEYS.items():
            if getattr(self, name) < 1:
                raise ConfigError(f"requestLimits.{key} must be at least 1")
        if self.log_format not in LOG_FORMATS:
            raise ConfigError(
                f"logging.format must be one of {', '.join(LOG_FORMATS)}, got {self.log_format!r}"
            )
        if self.metrics_refresh_seconds <= 0:
            raise ConfigError("metrics.refreshInterval must be positive")

    @property
    def metrics_enabled(self) -> bool:
        """Whether a metrics listener runs (`metricsPort` set and not 0)."""
        return bool(self.metrics_port)

    @property
    def authentication_configured(self) -> bool:
        """False: anonymous access with every user-facing permission for everyone."""
        return self.auth is not None


def config_path(cli_path: str | None, environ: Mapping[str, str]) -> Path | None:
    """`--config` wins over `ARMADA_CONFIG`; None when neither is given."""
    value = cli_path or environ.get(CONFIG_ENV) or None
    return Path(value) if value else None


def load_config(path: Path | None, environ: Mapping[str, str] | None = None) -> ServerConfig:
    """Read and check the YAML file; no file means the development defaults."""
    data = _read_yaml(path) if path is not None else NO_FILE_DEFAULTS
    return parse_config({**data, **env_overrides(environ or {})}, source=path)


def env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """The top-level keys set through `ARMADA_<KEY>` variables."""
    found: dict[str, Any] = {}
    for key in ENV_KEYS:
        value = environ.get(ENV_PREFIX + key.upper())
        if value is not None:
            found[key] = _scalar(value)
    return found


def _scalar(value: str) -> Any:
    try:
        return yaml.safe_load(value)
    except yaml.YAMLError:
        return value


def _read_yaml(path: Path) -> Mapping[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path} is not valid YAML: {_yaml_problem(exc)}") from None
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"config file {path} must hold a mapping at the top level")
    return data


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"{problem} (line {mark.line + 1})" if mark is not None else str(problem)


def parse_config(data: Mapping[str, Any], *, source: Path | None = None) -> ServerConfig:
    """A `ServerConfig` from the parsed YAML mapping."""
    values = known_keys(data, KNOWN, IGNORED, where="", error=ConfigError)
    queryapi = _mapping(values.get("queryapi"), "queryapi")
    limits = _request_limits(values.get("requestLimits"))
    metrics = _mapping(values.get("metrics"), "metrics")
    logs = _mapping(values.get("logging"), "logging")
    return ServerConfig(
        grpc_port=_int(values.get("grpcPort", 50051), "grpcPort"),
        http_port=_int(values.get("httpPort", 8080), "httpPort"),
        bind_address=_str(values.get("bindAddress", "0.0.0.0"), "bindAddress"),
        cors_allowed_origins=_str_list(
            values.get("corsAllowedOrigins", list(DEFAULT_CORS_ORIGINS)), "corsAllowedOrigins"
        ),
        storage=_storage(values.get("storage")),
        submission=_mapping(values.get("submission"), "submission"),
        auth=_optional_mapping(values.get("auth"), "auth"),
        scheduler=_mapping(values.get("scheduler"), "scheduler"),
        max_query_items=_int(_get(queryapi, "maxQueryItems", 500), "queryapi.maxQueryItems"),
        **limits,
        shutdown_grace_seconds=_duration(
            values.get("shutdownGracePeriod", 10), "shutdownGracePeriod"
        ),
        connections=_connections(values.get("connections")),
        metrics_port=_int(values.get("metricsPort", DEFAULT_METRICS_PORT), "metricsPort"),
        metrics_refresh_seconds=_duration(
            _get(metrics, "refreshInterval", 15), "metrics.refreshInterval"
        ),
        log_format=_str(_get(logs, "format", "text"), "logging.format"),
        log_requests=_bool(_get(logs, "requests", True), "logging.requests"),
        log_health_checks=_bool(_get(logs, "healthChecks", False), "logging.healthChecks"),
        ui_enabled=_ui_enabled(values.get("ui")),
        local_executor=_optional_mapping(values.get("localExecutor"), "localExecutor"),
        source=source,
    )


def _request_limits(value: Any) -> dict[str, int]:
    """`requestLimits`: ServerConfig field → value, for the keys given."""
    section = _mapping(value, "requestLimits")
    known = {key.lower(): name for name, key in LIMIT_KEYS.items()}
    limits = {}
    for key, item in section.items():
        name = known.get(str(key).lower())
        if name is None:
            keys = ", ".join(LIMIT_KEYS.values())
            raise ConfigError(f"unknown key requestLimits.{key}; known keys: {keys}")
        limits[name] = _int(item, f"requestLimits.{LIMIT_KEYS[name]}")
    return limits


def _connections(value: Any) -> ConnectionSettings:
    """The `connections:` section: a count and durations, each key optional."""
    section = _mapping(value, "connections")
    fields: dict[str, Any] = {}
    for key, raw in section.items():
        name = next((n for k, n in CONNECTION_KEYS.items() if k.lower() == str(key).lower()), None)
        if name is None:
            known = ", ".join(CONNECTION_KEYS)
            raise ConfigError(f"unknown key connections.{key}; known keys: {known}")
        read = _int if name == "max_per_listener" else _duration
        fields[name] = read(raw, f"connections.{key}")
    try:
        return ConnectionSettings(**fields)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _storage(value: Any) -> Mapping[str, Any]:
    if value is None:
        return ServerConfig().storage
    return _mapping(value, "storage")


def _ui_enabled(value: Any) -> bool:
    enabled = _get(_mapping(value, "ui"), "enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(f"ui.enabled must be true or false, got {enabled!r}")
    return enabled


def _optional_mapping(value: Any, where: str) -> Mapping[str, Any] | None:
    return None if value is None else _mapping(value, where)


def _get(section: Mapping[str, Any], key: str, default: Any) -> Any:
    for name, value in section.items():
        if str(name).lower() == key.lower():
            return value
    return default


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where} must be a mapping, got {type(value).__name__}")
    return value


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{where} must be an integer, got {value!r}")
    return value


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false, got {value!r}")
    return value


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{where} must be a string, got {value!r}")
    return value


def _str_list(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of strings")
    return tuple(value)


def _duration(value: Any, where: str) -> float:
    """Seconds from a number or a Go-style duration (`500ms`, `10s`, `2m`)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None:
        raise ConfigError(f"{where} must be a duration such as 10s, got {value!r}")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]

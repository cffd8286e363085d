"""The reference server's configuration: Armada's YAML keys, read into one value.

Top-level keys are matched ignoring case, as Armada's loader (viper) does. Keys of
Armada's server config that have no meaning here (Pulsar, Redis, metrics...) are
accepted with a warning so existing configs carry over; any other key is an error.
Sections owned by other components (`storage`, `submission`, `auth`, `scheduler`) are handed over
as mappings and checked by them.

As in Armada, environment variables override the file: `ARMADA_GRPCPORT`,
`ARMADA_HTTPPORT`, `ARMADA_BINDADDRESS`, `ARMADA_SHUTDOWNGRACEPERIOD` (the key in
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

logger = logging.getLogger(__name__)

CONFIG_ENV = "ARMADA_CONFIG"
ENV_PREFIX = "ARMADA_"
ENV_KEYS = ("grpcPort", "httpPort", "bindAddress", "shutdownGracePeriod")
DEFAULT_SQLITE_PATH = "data/armada.db"
DEFAULT_CORS_ORIGINS = ("http://localhost:3000", "http://localhost:8089", "http://localhost:10000")

KNOWN = (
    "grpcPort",
    "httpPort",
    "bindAddress",
    "corsAllowedOrigins",
    "storage",
    "submission",
    "auth",
    "queryapi",
    "shutdownGracePeriod",
    "scheduler",
)
# Armada server keys that configure infrastructure we do not have: warned, not refused.
IGNORED = (
    "metricsPort",
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
    shutdown_grace_seconds: float = 10.0
    source: Path | None = None

    def __post_init__(self) -> None:
        for name in ("grpc_port", "http_port"):
            port = getattr(self, name)
            if not 0 <= port <= 65535:
                raise ConfigError(f"{name} must be a port number (0-65535), got {port}")

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
    data = _read_yaml(path) if path is not None else {}
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
    values = _by_known_name(data)
    queryapi = _mapping(values.get("queryapi"), "queryapi")
    return ServerConfig(
        grpc_port=_int(values.get("grpcPort", 50051), "grpcPort"),
        http_port=_int(values.get("httpPort", 8080), "httpPort"),
        bind_address=_str(values.get("bindAddress", "0.0.0.0"), "bindAddress"),
        cors_allowed_origins=_str_list(
            values.get("corsAllowedOrigins", list(DEFAULT_CORS_ORIGINS)), "corsAllowedOrigins"
        ),
        storage=_storage(values.get("storage")),
        submission=_mapping(values.get("submission"), "submission"),
        auth=None if values.get("auth") is None else _mapping(values["auth"], "auth"),
        scheduler=_mapping(values.get("scheduler"), "scheduler"),
        max_query_items=_int(_get(queryapi, "maxQueryItems", 500), "queryapi.maxQueryItems"),
        shutdown_grace_seconds=_duration(
            values.get("shutdownGracePeriod", 10), "shutdownGracePeriod"
        ),
        source=source,
    )


def _by_known_name(data: Mapping[str, Any]) -> dict[str, Any]:
    known = {name.lower(): name for name in KNOWN}
    ignored = {name.lower() for name in IGNORED}
    values: dict[str, Any] = {}
    for key, value in data.items():
        lower = str(key).lower()
        if lower in known:
            values[known[lower]] = value
        elif lower in ignored:
            logger.warning("config key %s is Armada's but has no effect here; ignored", key)
        else:
            raise ConfigError(f"unknown config key {key!r}; known keys: {', '.join(KNOWN)}")
    return values


def _storage(value: Any) -> Mapping[str, Any]:
    if value is None:
        return ServerConfig().storage
    return _mapping(value, "storage")


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

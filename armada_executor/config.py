"""The executor's configuration: Armada executor keys where they exist, `local.*` for the rest.

Armada's keys read here: `application.clusterId`, `application.pool`,
`application.maxLeasedJobs`, `executorApiConnection.{armadaUrl, forceNoTls, basicAuth,
openIdClientCredentialsAuth}` and `task.jobLeaseRenewalInterval`. Other sections of Armada's
executor config (`kubernetes`, `metric`, ...) are accepted with a warning so a config carries
over; any other top-level key, and any unknown key under `local`, is an error. Keys match
ignoring case, as Armada's loader does. Values are read as Armada reads them (Go durations,
Kubernetes quantities, booleans and numbers also as strings).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from armada_config import values
from armada_core.quantity import Quantity

logger = logging.getLogger(__name__)

DEFAULT_URL = "localhost:50051"
DEFAULT_WORK_DIR = "data/executor"
ARMADA_SECTIONS = ("application", "executorApiConnection", "task")
IGNORED_SECTIONS = ("kubernetes", "metric", "httpPort", "grpc", "client", "pod", "executor")


class ConfigError(Exception):
    """The executor configuration cannot be used; the message is one plain line."""


@dataclass(frozen=True, slots=True)
class BasicAuth:
    username: str
    password: str


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    """OIDC client-credentials grant (Armada's `openIdClientCredentialsAuth`)."""

    provider_url: str
    client_id: str
    client_secret: str
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LogRetention:
    """How many finished runs keep their logs, for how long, and how big one log may grow."""

    max_age_seconds: float = 7 * 24 * 3600.0
    max_runs: int = 1000
    max_bytes_per_container: int = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class LocalSettings:
    """What Armada's executor has no key for: this machine as the one node."""

    # Resources of the one node, by name; cpu, memory and ephemeral-storage not given
    # here are this host's CPU count, physical memory and the work dir's disk size.
    capacity: Mapping[str, Quantity] = field(default_factory=dict)
    work_dir: Path = Path(DEFAULT_WORK_DIR)
    run_as_user: str = "nobody"  # only used when the executor runs as root
    allowed_programs: tuple[str, ...] | None = None  # None: any program
    log_retention: LogRetention = field(default_factory=LogRetention)
    node_name: str = field(default_factory=lambda: os.uname().nodename)
    binoculars_port: int | None = None  # None: no Binoculars listener of its own
    binoculars_http_port: int | None = None  # its REST route (`POST /v1/binoculars/log`)
    binoculars_address: str = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class ExecutorConfig:
    cluster_id: str = "local"
    pool: str = "default"
    max_leased_jobs: int = 100
    armada_url: str = DEFAULT_URL
    force_no_tls: bool = False
    basic_auth: BasicAuth | None = None
    client_credentials: ClientCredentials | None = None
    lease_interval_seconds: float = 1.0
    local: LocalSettings = field(default_factory=LocalSettings)

    @property
    def use_tls(self) -> bool:
        """Armada's rule: plain text when forced or when the URL names localhost."""
        plain = self.force_no_tls or "localhost" in self.armada_url
        return not plain and not self.armada_url.startswith("127.0.0.1")


def load_config(path: Path | None) -> ExecutorConfig:
    """Read and check the YAML file; no file means the defaults."""
    return parse_config(_read_yaml(path) if path is not None else {})


def parse_config(data: Mapping[str, Any]) -> ExecutorConfig:
    """An `ExecutorConfig` from the parsed YAML mapping (ConfigError if unusable)."""
    sections = _top_level(data)
    try:
        return _build(sections)
    except (TypeError, ValueError) as exc:
        raise ConfigError(str(exc)) from None


def _build(sections: Mapping[str, Mapping[str, Any]]) -> ExecutorConfig:
    app = _Section(sections.get("application", {}), "application")
    conn = _Section(sections.get("executorApiConnection", {}), "executorApiConnection")
    task = _Section(sections.get("task", {}), "task")
    renewal = task.get("jobLeaseRenewalInterval", values.duration)
    return ExecutorConfig(
        cluster_id=app.get("clusterId", values.string) or "local",
        pool=app.get("pool", values.string) or "default",
        max_leased_jobs=app.get("maxLeasedJobs", values.non_negative_int, 100),
        armada_url=conn.get("armadaUrl", values.string) or DEFAULT_URL,
        force_no_tls=conn.get("forceNoTls", values.boolean, False),
        basic_auth=_basic(conn.get("basicAuth", _mapping)),
        client_credentials=_client_credentials(conn.get("openIdClientCredentialsAuth", _mapping)),
        lease_interval_seconds=renewal.total_seconds() if renewal else 1.0,
        local=_local(_Section(sections.get("local", {}), "local", strict=True)),
    )


def _local(local: _Section) -> LocalSettings:
    capacity = local.get("capacity", values.quantity_map) or {}
    retention = _Section(local.get("logRetention", _mapping) or {}, "local.logRetention", True)
    age = retention.get("maxAge", values.duration)
    size = retention.get("maxBytesPerContainer", values.quantity)
    defaults, kept = LocalSettings(), LogRetention()
    return LocalSettings(
        capacity=capacity,
        work_dir=Path(local.get("workDir", values.string) or DEFAULT_WORK_DIR),
        run_as_user=local.get("runAsUser", values.string) or "nobody",
        allowed_programs=local.get("allowedPrograms", values.string_tuple),
        log_retention=LogRetention(
            max_age_seconds=age.total_seconds() if age else kept.max_age_seconds,
            max_runs=retention.get("maxRuns", values.non_negative_int, kept.max_runs),
            max_bytes_per_container=size.value() if size else kept.max_bytes_per_container,
        ),
        node_name=local.get("nodeName", values.string) or defaults.node_name,
        binoculars_port=local.get("binocularsPort", values.non_negative_int),
        binoculars_http_port=local.get("binocularsHttpPort", values.non_negative_int),
        binoculars_address=local.get("binocularsAddress", values.string) or "127.0.0.1",
    )


LOCAL_KEYS = (
    "capacity", "workDir", "runAsUser", "allowedPrograms", "logRetention",
    "maxAge", "maxRuns", "maxBytesPerContainer", "nodeName", "binocularsPort",
    "binocularsHttpPort", "binocularsAddress",
)  # fmt: skip


class _Section:
    """One mapping of the YAML, read by key ignoring case; strict ones refuse unknown keys."""

    def __init__(self, data: Mapping[str, Any], where: str, strict: bool = False) -> None:
        self._data = {str(k).lower(): v for k, v in _mapping(data, where).items()}
        self._where = where
        if strict:
            known = {k.lower() for k in LOCAL_KEYS}
            for key in data:
                if str(key).lower() not in known:
                    raise ConfigError(f"unknown config key {where}.{key}")

    def get(self, key: str, convert: Callable[[Any], Any], default: Any = None) -> Any:
        raw = self._data.get(key.lower())
        if raw is None:
            return default
        try:
            return convert(raw)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{self._where}.{key}: {exc}") from None


def _basic(section: Mapping[str, Any] | None) -> BasicAuth | None:
    if not section:
        return None
    read = _Section(section, "executorApiConnection.basicAuth")
    return BasicAuth(
        read.get("username", values.string, ""), read.get("password", values.string, "")
    )


def _client_credentials(section: Mapping[str, Any] | None) -> ClientCredentials | None:
    if not section:
        return None
    read = _Section(section, "executorApiConnection.openIdClientCredentialsAuth")
    return ClientCredentials(
        provider_url=read.get("providerUrl", values.string, ""),
        client_id=read.get("clientId", values.string, ""),
        client_secret=read.get("clientSecret", values.string, ""),
        scopes=read.get("scopes", values.string_tuple, ()),
    )


def _top_level(data: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    known = {name.lower(): name for name in (*ARMADA_SECTIONS, "local")}
    ignored = {name.lower() for name in IGNORED_SECTIONS}
    sections: dict[str, Mapping[str, Any]] = {}
    for key, value in data.items():
        lower = str(key).lower()
        if lower in known:
            sections[known[lower]] = _mapping(value, str(key))
        elif lower in ignored:
            logger.warning("config key %s is Armada's but has no effect here; ignored", key)
        else:
            raise ConfigError(
                f"unknown config key {key!r}; known keys: {', '.join(known.values())}"
            )
    return sections


def _mapping(value: Any, where: str = "value") -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where} must be a mapping, got {type(value).__name__}")
    return value


def _read_yaml(path: Path) -> Mapping[str, Any]:
    import yaml  # the server extra; only needed when a file is given

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    return _mapping(data, f"config file {path}")

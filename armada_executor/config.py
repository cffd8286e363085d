"""The executor's configuration: Armada executor keys where they exist, `local.*` for the rest.

Read by the one config policy (`armada_config.policy`, as the server's config): keys match
ignoring case, as Armada's loader does; Armada's keys that have no effect here (sections
such as `kubernetes`, and keys such as `task.podDeletionInterval`) are warned once so a
config carries over; any other key is refused with its path. Durations take Go's syntax
(`500ms`, `1m30s`); a bare number is seconds (Armada reads nanoseconds, so for its own
`task.jobLeaseRenewalInterval` a warning says so). Sizes and capacities are Kubernetes
quantities.

Armada's keys read here: `application.clusterId`, `application.pool`,
`application.maxLeasedJobs`, `executorApiConnection.{armadaUrl, forceNoTls, basicAuth,
openIdClientCredentialsAuth}` and `task.jobLeaseRenewalInterval`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

from armada_config.policy import KEY, ByteSize, Seconds, read_section
from armada_core.quantity import Quantity
from armada_core.retry.categories import ClassifierConfig, check_config
from armada_core.retry.categories_config import classifier_config

DEFAULT_URL = "localhost:50051"
DEFAULT_WORK_DIR = "data/executor"


class ConfigError(ValueError):
    """The executor configuration cannot be used; the message is one plain line."""


@dataclass(frozen=True, slots=True)
class BasicAuth:
    username: str = ""
    password: str = ""


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    """OIDC client-credentials grant (Armada's `openIdClientCredentialsAuth`)."""

    provider_url: str = ""
    client_id: str = ""
    client_secret: str = ""
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LogRetention:
    """How many finished runs keep their logs, for how long, and how big one log may grow."""

    max_age_seconds: Seconds = field(default=7 * 24 * 3600.0, metadata={KEY: "maxAge"})
    max_runs: int = 1000
    max_bytes_per_container: ByteSize = 10 * 1024 * 1024

    def __post_init__(self) -> None:
        if self.max_runs < 0:
            raise ValueError("maxRuns must not be negative")


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

    def __post_init__(self) -> None:
        for key, port in (
            ("binocularsPort", self.binoculars_port),
            ("binocularsHttpPort", self.binoculars_http_port),
        ):
            if port is not None and not 0 <= port <= 65535:
                raise ValueError(f"{key} must be a port number (0-65535)")


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
    # `application.errorCategories`; None: the executor's own categories (`categories`)
    error_categories: ClassifierConfig | None = None

    @property
    def use_tls(self) -> bool:
        """Armada's rule: plain text when forced or when the URL names localhost."""
        plain = self.force_no_tls or "localhost" in self.armada_url
        return not plain and not self.armada_url.startswith("127.0.0.1")


@dataclass(frozen=True, slots=True)
class Application:
    """`application`: who this executor is and how much it leases at once."""

    armada_unused: ClassVar[tuple[str, ...]] = (
        "submitConcurrencyLimit",
        "updateConcurrencyLimit",
        "deleteConcurrencyLimit",
        "useExecutorApi",
        "zone",
    )

    cluster_id: str = "local"
    pool: str = "default"
    max_leased_jobs: int = 100
    error_categories: Any = None  # Armada's classifier config, read by `_categories`

    def __post_init__(self) -> None:
        if self.max_leased_jobs < 0:
            raise ValueError("maxLeasedJobs must not be negative")


@dataclass(frozen=True, slots=True)
class Connection:
    """`executorApiConnection` (`armada_url` None: not given)."""

    armada_unused: ClassVar[tuple[str, ...]] = (
        "armadaRestUrl",
        "executorClusters",
        "grpcKeepAliveTime",
        "grpcKeepAliveTimeout",
        "cacheRefreshToken",
        "kubernetesNativeAuth",
        "openIdAuth",
        "openIdDeviceAuth",
        "openIdPasswordAuth",
        "openIdKubernetesAuth",
        "execAuth",
    )

    armada_url: str | None = None
    force_no_tls: bool = False
    basic_auth: BasicAuth | None = None
    open_id_client_credentials_auth: ClientCredentials | None = None


@dataclass(frozen=True, slots=True)
class Task:
    """`task`: the intervals of Armada's executor loops; one applies to this executor."""

    armada_unused: ClassVar[tuple[str, ...]] = (
        "utilisationReportingInterval",
        "missingJobEventReconciliationInterval",
        "allocateSpareClusterCapacityInterval",
        "podDeletionInterval",
        "queueUsageDataRefreshInterval",
        "utilisationEventProcessingInterval",
        "utilisationEventReportingInterval",
        "stateProcessorInterval",
        "resourceCleanupInterval",
    )

    job_lease_renewal_interval: timedelta = timedelta(seconds=1)

    def __post_init__(self) -> None:
        if self.job_lease_renewal_interval <= timedelta(0):
            raise ValueError("jobLeaseRenewalInterval must be positive")


@dataclass(frozen=True, slots=True)
class ExecutorFile:
    """The executor's config file, one field per top-level key; `to_config()` is what runs."""

    armada_unused: ClassVar[tuple[str, ...]] = (
        "kubernetes",
        "metric",
        "httpPort",
        "grpc",
        "client",
        "pod",
        "executor",
    )

    application: Application = field(default_factory=Application)
    executor_api_connection: Connection = field(default_factory=Connection)
    task: Task = field(default_factory=Task)
    local: LocalSettings = field(default_factory=LocalSettings)

    def to_config(self) -> ExecutorConfig:
        app, conn = self.application, self.executor_api_connection
        return ExecutorConfig(
            cluster_id=app.cluster_id,
            pool=app.pool,
            max_leased_jobs=app.max_leased_jobs,
            armada_url=conn.armada_url or DEFAULT_URL,
            force_no_tls=conn.force_no_tls,
            basic_auth=conn.basic_auth,
            client_credentials=conn.open_id_client_credentials_auth,
            lease_interval_seconds=self.task.job_lease_renewal_interval.total_seconds(),
            local=self.local,
            error_categories=_categories(app.error_categories),
        )


def _categories(section: Any) -> ClassifierConfig | None:
    """Armada's classifier config, checked as Armada's executor checks it at start."""
    if section is None:
        return None
    try:
        config = classifier_config(section)
        check_config(config)
    except ValueError as exc:
        raise ConfigError(f"application.{exc}") from None
    return config


@dataclass(frozen=True, slots=True)
class LocalExecutorSection(ExecutorFile):
    """The server's `localExecutor:` section: the executor's file, and whether it runs
    at all (off by default; `armada_executor.embedded` reads it)."""

    enabled: bool = False


def load_config(path: Path | None) -> ExecutorConfig:
    """Read and check the YAML file; no file means the defaults."""
    return parse_config(_read_yaml(path) if path is not None else {})


def parse_config(data: Mapping[str, Any] | None) -> ExecutorConfig:
    """An `ExecutorConfig` from the parsed YAML mapping (ConfigError naming the key)."""
    return read_file(data).to_config()


def read_file(data: Any, where: str = "") -> ExecutorFile:
    """The file's sections, under the config policy (ConfigError naming the key)."""
    return read_section(ExecutorFile, data, where, error=ConfigError)


def _read_yaml(path: Path) -> Any:
    import yaml  # the server extra; only needed when a file is given

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None

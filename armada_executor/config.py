"""The executor's configuration: Armada executor keys where they exist, `local.*` for the rest.

Read by the one config policy (`armada_config.policy`, as the server's config): keys match
ignoring case, as Armada's loader does; Armada's keys that have no effect here (sections
such as `kubernetes`, and keys such as `task.podDeletionInterval`) are warned once so a
config carries over; any other key is refused with its path. Durations take Go's syntax
(`500ms`, `1m30s`); a bare number is seconds (Armada reads nanoseconds, so for its own
`task.jobLeaseRenewalInterval` a warning says so). Sizes and capacities are Kubernetes
quantities.

Armada's keys read here: `application.clusterId`, `application.pool`,
`application.maxLeasedJobs`, `application.errorCategories` (its failure classifier,
checked here as Armada's executor checks it at start, applied by `categories`),
`executorApiConnection.{armadaUrl, forceNoTls, basicAuth, openIdClientCredentialsAuth}`
and `task.jobLeaseRenewalInterval`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

from armada_config.policy import KEY, ByteSize, Seconds, read_section
from armada_core.quantity import Quantity
from armada_core.retry.categories import check_name

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


# --- `application.errorCategories`: Armada's failure classifier (spec §2.1) -----------
# A section's __post_init__ holds Armada's startup check of it (a failure stops the
# executor); the policy puts the key path before its message.

CONDITIONS = ("OOMKilled", "Evicted", "DeadlineExceeded")
OPERATORS = ("In", "NotIn")
EVENT_TYPES = ("Normal", "Warning")
ACTIONS = ("Retain", "Delete")
MATCHERS = ("onConditions", "onExitCodes", "onTerminationMessage", "onPodError", "onPodEvents")


def _check_regex(key: str, pattern: str) -> None:
    """Patterns are Python regular expressions (Go's RE2 syntax is nearly a subset)."""
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"{key} is an invalid regular expression: {exc}") from None


@dataclass(frozen=True, slots=True)
class ExitCodes:
    """`onExitCodes`: `In` the values, or `NotIn` them (any other non-zero code)."""

    operator: str = ""
    values: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.operator not in OPERATORS:
            raise ValueError(f"operator must be In or NotIn, not {self.operator!r}")
        if not self.values:
            raise ValueError("values must not be empty")


@dataclass(frozen=True, slots=True)
class RegexMatcher:
    """`onTerminationMessage` / `onPodError`: a pattern searched anywhere in the text."""

    pattern: str = ""

    def __post_init__(self) -> None:
        _check_regex("pattern", self.pattern)


@dataclass(frozen=True, slots=True)
class EventMatcher:
    """`onPodEvents`: an event of `type`, of `reason` when set, whose message matches."""

    regexp: str = ""
    type: str = ""
    reason: str = ""

    def __post_init__(self) -> None:
        if self.type not in EVENT_TYPES:
            raise ValueError(f"type must be Normal or Warning, not {self.type!r}")
        _check_regex("regexp", self.regexp)


@dataclass(frozen=True, slots=True)
class CategoryRule:
    """`categories[].rules[]`: exactly one matcher, plus what a match gives."""

    on_conditions: tuple[str, ...] = ()
    on_exit_codes: ExitCodes | None = None
    on_termination_message: RegexMatcher | None = None
    on_pod_error: RegexMatcher | None = None
    on_pod_events: EventMatcher | None = None
    subcategory: str = ""
    hint: str = ""  # appended to the failure message
    container_name: str = ""  # narrows the container matchers

    def __post_init__(self) -> None:
        matchers = (
            self.on_conditions or None,
            self.on_exit_codes,
            self.on_termination_message,
            self.on_pod_error,
            self.on_pod_events,
        )
        if sum(m is not None for m in matchers) != 1:
            raise ValueError(f"set exactly one of {', '.join(MATCHERS)}")
        check_name("subcategory", self.subcategory)
        unknown = [c for c in self.on_conditions if c not in CONDITIONS]
        if unknown:
            raise ValueError(
                f"onConditions has an unknown condition {unknown[0]!r}"
                f" (known: {', '.join(CONDITIONS)})"
            )


@dataclass(frozen=True, slots=True)
class Category:
    """`categories[]`: a named category, its rules in order, and whether the failed pod
    is deleted before the report (`Delete`) or kept (`Retain`, also when empty)."""

    name: str = ""
    rules: tuple[CategoryRule, ...] = ()
    action: str = "Retain"

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a category needs a name")
        check_name("name", self.name)
        if not self.action:  # Armada's default; frozen, hence object.__setattr__
            object.__setattr__(self, "action", "Retain")
        if self.action not in ACTIONS:
            raise ValueError(f"action must be Retain or Delete, not {self.action!r}")
        if not self.rules:
            raise ValueError(f"category {self.name!r} needs at least one rule")


@dataclass(frozen=True, slots=True)
class ErrorCategories:
    """`application.errorCategories`: off unless `enabled`; no match gives the defaults."""

    enabled: bool = False
    default_category: str = ""
    default_subcategory: str = ""
    categories: tuple[Category, ...] = ()

    def __post_init__(self) -> None:
        check_name("defaultCategory", self.default_category)
        check_name("defaultSubcategory", self.default_subcategory)
        seen: set[str] = set()
        for category in self.categories:
            if category.name in seen:
                raise ValueError(f"category {category.name!r} is defined twice")
            seen.add(category.name)


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
    error_categories: ErrorCategories | None = None

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
    error_categories: ErrorCategories | None = None

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
            error_categories=app.error_categories,
        )


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

"""The service's configuration: permissions, submission rules and limits."""

from __future__ import annotations

from dataclasses import dataclass, field

from armada_core.permissions import PermissionConfig
from armada_core.retry.engine import RetrySettings
from armada_core.scheduler_config import SchedulerConfig
from armada_core.submission import SubmissionConfig

# Entries per request list: room for a 10,000-job submit (Armada has no such cap;
# its 4 MiB message limit is its only bound).
DEFAULT_MAX_REQUEST_ITEMS = 10_000


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """Everything `ArmadaService` needs besides its ports.

    - `max_query_items`: most ids one api.Jobs query may name (Armada's
      `queryapi.maxQueryItems`).
    - `max_request_items`: most entries any other list of a request may hold (jobs
      of a SubmitJobs, ids of a cancel, reprioritize or preempt, queues of a batch).
    - `event_batch_size`: events read from storage per batch when streaming.
    - `conflict_retries`: attempts of a state-changing use case that lost a race
      (`Conflict`) before the conflict is reported.
    - `default_pool`: the pool of an executor that names none.
    - `scheduler`: scheduling, leases and their expiry (decision E3).
    - `default_pool`: the pool active jobs are reported in until runs record theirs.
    - `retry`: the retry engine's settings (`scheduling.retryPolicy`), for the use
      case that judges failed runs.
    """

    permissions: PermissionConfig = field(default_factory=PermissionConfig)
    submission: SubmissionConfig = field(default_factory=SubmissionConfig)
    max_query_items: int = 500
    max_request_items: int = DEFAULT_MAX_REQUEST_ITEMS
    event_batch_size: int = 500
    conflict_retries: int = 5
    default_pool: str = "default"
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    retry: RetrySettings = field(default_factory=RetrySettings)

    def __post_init__(self) -> None:
        for name in (
            "max_query_items",
            "max_request_items",
            "event_batch_size",
            "conflict_retries",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"ServiceConfig.{name} must be at least 1")

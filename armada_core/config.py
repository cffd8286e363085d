"""The service's configuration: permissions, submission rules and limits."""

from __future__ import annotations

from dataclasses import dataclass, field

from armada_core.permissions import PermissionConfig
from armada_core.scheduler_config import SchedulerConfig
from armada_core.submission import SubmissionConfig


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """Everything `ArmadaService` needs besides its ports.

    - `max_query_items`: most ids one api.Jobs query may name (Armada's
      `queryapi.maxQueryItems`).
    - `event_batch_size`: events read from storage per batch when streaming.
    - `conflict_retries`: attempts of a state-changing use case that lost a race
      (`Conflict`) before the conflict is reported.
    - `default_pool`: the pool of an executor that names none.
    - `scheduler`: scheduling, leases and their expiry (decision E3).
    """

    permissions: PermissionConfig = field(default_factory=PermissionConfig)
    submission: SubmissionConfig = field(default_factory=SubmissionConfig)
    max_query_items: int = 500
    event_batch_size: int = 500
    conflict_retries: int = 5
    default_pool: str = "default"
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)

    def __post_init__(self) -> None:
        for name in ("max_query_items", "event_batch_size", "conflict_retries"):
            if getattr(self, name) < 1:
                raise ValueError(f"ServiceConfig.{name} must be at least 1")

"""Jobs: the immutable submitted job, its changing state, and the query views."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from armada_core.retry.record import RetryMutations

if TYPE_CHECKING:
    from armada_core.ports import PodSpec

# A Kubernetes object in its JSON shape (camelCase keys, quantities as strings).
KubeObject = dict[str, Any]


class JobState(IntEnum):
    """Job states with the numbers of Armada's `JobState` enum."""

    QUEUED = 0
    PENDING = 1
    RUNNING = 2
    SUCCEEDED = 3
    FAILED = 4
    UNKNOWN = 5
    SUBMITTED = 6
    LEASED = 7
    PREEMPTED = 8
    CANCELLED = 9
    REJECTED = 10


TERMINAL_STATES: frozenset[JobState] = frozenset(
    {
        JobState.SUCCEEDED,
        JobState.FAILED,
        JobState.CANCELLED,
        JobState.PREEMPTED,
        JobState.REJECTED,
    }
)
# Holding a lease: what Armada's legacy GetQueueInfo counts as `leased`.
LEASED_STATES: frozenset[JobState] = frozenset(
    {JobState.LEASED, JobState.PENDING, JobState.RUNNING}
)
ACTIVE_STATES: frozenset[JobState] = frozenset({JobState.QUEUED, *LEASED_STATES})


@dataclass(frozen=True, slots=True)
class ResourceRequirements:
    """Summed requests and limits, canonical quantity strings by resource name."""

    requests: Mapping[str, str] = field(default_factory=dict)
    limits: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Job:
    """A job as accepted at submit time; never changes afterwards.

    `spec` is the defaulted main pod spec (protobuf-backed when it came over the wire);
    `pod_spec` its Kubernetes JSON shape, for the cold paths. `services` and
    `ingresses` are the Kubernetes objects generated for the job (possibly empty).
    """

    id: str
    queue: str
    job_set_id: str
    namespace: str
    owner: str
    groups: tuple[str, ...]
    priority: int
    created_ns: int
    spec: PodSpec
    client_id: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    scheduling_resource_requirements: ResourceRequirements = field(
        default_factory=ResourceRequirements
    )
    external_job_uri: str = ""
    services: tuple[KubeObject, ...] = ()
    ingresses: tuple[KubeObject, ...] = ()

    @property
    def pod_spec(self) -> KubeObject:
        """The defaulted main pod spec in Kubernetes JSON shape; never modify it."""
        return self.spec.kube()


@dataclass(frozen=True, slots=True)
class JobRecord:
    """A job together with what has happened to it since."""

    job: Job
    state: JobState
    last_transition_ns: int
    priority: int
    cancel_ns: int = 0
    cancel_reason: str = ""
    cancel_user: str = ""
    error: str = ""
    retry: RetryMutations = field(default_factory=RetryMutations)  # what retries changed

    @property
    def is_terminal(self) -> bool:
        """Whether no further transition is possible."""
        return self.state in TERMINAL_STATES


@dataclass(frozen=True, slots=True)
class JobChange:
    """A state change to apply atomically, only if the job is still in `expected`.

    Fields left as None keep their stored value.
    """

    job_id: str
    expected: JobState
    state: JobState
    at_ns: int
    priority: int | None = None
    cancel_reason: str | None = None
    cancel_user: str | None = None
    error: str | None = None
    retry: RetryMutations | None = None


@dataclass(frozen=True, slots=True)
class JobSetActivity:
    """Counts for the legacy GetQueueInfo: QUEUED vs LEASED+PENDING+RUNNING."""

    job_set_id: str
    queued: int
    leased: int

"""armada_core: the domain and use cases of Armada's public API, free of any transport.

Adapters build an `ArmadaService` from a `Storage` and a `ServiceConfig` and call
its methods with a `Principal` and command values; failures are `ArmadaError`s.
"""

from __future__ import annotations

from armada_core.clock import ManualClock, SystemClock
from armada_core.commands import (
    CancelJobs,
    CancelJobSet,
    CancelOnQueue,
    IngressConfig,
    JobSubmitItem,
    PreemptJobs,
    PreemptOnQueue,
    ReprioritizeJobs,
    SubmitJobs,
    WatchJobSet,
)
from armada_core.config import ServiceConfig
from armada_core.errors import (
    AlreadyExists,
    ArmadaError,
    Conflict,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
)
from armada_core.events import Event, EventId, EventKind, StoredEvent
from armada_core.jobs import (
    ACTIVE_STATES,
    TERMINAL_STATES,
    Job,
    JobRecord,
    JobSetActivity,
    JobState,
    ResourceRequirements,
)
from armada_core.permissions import Permission, PermissionConfig, QueueVerb
from armada_core.ports import Clock, IdFactory, Storage
from armada_core.principal import ANONYMOUS, EVERYONE, Principal
from armada_core.queues import Queue, QueuePermission, QueueSpec, Subject
from armada_core.results import JobDetails, QueueFailure, QueueInfo
from armada_core.service import ArmadaService
from armada_core.state_machine import FailureCause, IllegalTransition

__all__ = [
    "ACTIVE_STATES",
    "ANONYMOUS",
    "EVERYONE",
    "TERMINAL_STATES",
    "AlreadyExists",
    "ArmadaError",
    "ArmadaService",
    "CancelJobSet",
    "CancelJobs",
    "CancelOnQueue",
    "Clock",
    "Conflict",
    "Event",
    "EventId",
    "EventKind",
    "FailedPrecondition",
    "FailureCause",
    "IdFactory",
    "IllegalTransition",
    "IngressConfig",
    "InvalidArgument",
    "Job",
    "JobDetails",
    "JobRecord",
    "JobSetActivity",
    "JobState",
    "JobSubmitItem",
    "ManualClock",
    "NotFound",
    "Permission",
    "PermissionConfig",
    "PermissionDenied",
    "PreemptJobs",
    "PreemptOnQueue",
    "Principal",
    "Queue",
    "QueueFailure",
    "QueueInfo",
    "QueuePermission",
    "QueueSpec",
    "QueueVerb",
    "ReprioritizeJobs",
    "ResourceRequirements",
    "ServiceConfig",
    "Storage",
    "StoredEvent",
    "Subject",
    "SubmitJobs",
    "SystemClock",
    "Unauthenticated",
    "Unavailable",
    "WatchJobSet",
]

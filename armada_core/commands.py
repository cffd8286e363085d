"""Commands: what a caller asks the service to do, free of any wire format."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from armada_core.jobs import JobState, KubeObject

if TYPE_CHECKING:
    from armada_core.ports import PodSpec


@dataclass(frozen=True, slots=True)
class IngressConfig:
    """Ports of a job to expose through an Ingress."""

    ports: tuple[int, ...] = ()
    annotations: Mapping[str, str] = field(default_factory=dict)
    tls_enabled: bool = False
    cert_name: str = ""
    use_cluster_ip: bool = False


@dataclass(frozen=True, slots=True)
class KubeServiceConfig:
    """Ports of a job to expose through a Service (`type`: 0 NodePort, 1 Headless)."""

    type: int = 0
    ports: tuple[int, ...] = ()
    name: str = ""


@dataclass(frozen=True, slots=True)
class JobSubmitItem:
    """One job of a submit request, before validation and server defaults."""

    priority: float = 0.0
    namespace: str = ""
    client_id: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    pod_spec: KubeObject | PodSpec | None = None  # a dict is taken as Kubernetes JSON
    pod_specs: tuple[KubeObject | PodSpec, ...] = ()
    ingress: tuple[IngressConfig, ...] = ()
    services: tuple[KubeServiceConfig, ...] = ()
    scheduler: str = ""
    external_job_uri: str = ""


@dataclass(frozen=True, slots=True)
class SubmitJobs:
    """Submit jobs into a queue's job set."""

    queue: str
    job_set_id: str
    items: tuple[JobSubmitItem, ...]


@dataclass(frozen=True, slots=True)
class CancelJobs:
    """Cancel jobs by id; no ids means the whole job set."""

    queue: str
    job_set_id: str
    job_ids: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True, slots=True)
class CancelJobSet:
    """Cancel the jobs of a job set that are in `states` (empty: every active state)."""

    queue: str
    job_set_id: str
    states: frozenset[JobState] = frozenset()
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ReprioritizeJobs:
    """Give jobs (or, with no ids, a whole job set) a new priority."""

    queue: str
    job_set_id: str
    new_priority: float
    job_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PreemptJobs:
    """Ask for running jobs to be preempted."""

    queue: str
    job_set_id: str
    job_ids: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True, slots=True)
class CancelOnQueue:
    """Cancel the jobs of a whole queue matching priority classes, states and pools."""

    name: str
    priority_classes: tuple[str, ...] = ()
    job_states: tuple[JobState, ...] = ()
    pools: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PreemptOnQueue:
    """Preempt the running jobs of a whole queue."""

    name: str
    priority_classes: tuple[str, ...] = ()
    pools: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OnExecutor:
    """Cancel or preempt the jobs running on an executor (api.Executor).

    Empty filters select everything: all queues, priority classes and pools.
    """

    name: str
    queues: tuple[str, ...] = ()
    priority_classes: tuple[str, ...] = ()
    pools: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OnNode:
    """Cancel or preempt the jobs running on one node of an executor (api.Node)."""

    name: str
    executor: str
    queues: tuple[str, ...] = ()
    priority_classes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class WatchJobSet:
    """Read a job set's events after `from_message_id`, and optionally keep following."""

    queue: str
    job_set_id: str
    from_message_id: str = ""
    watch: bool = False
    error_if_missing: bool = False

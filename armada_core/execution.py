"""What executors say and are told: lease calls, leases, and run reports.

These are the core's values for Armada's `executorapi`; the wire adapter translates
`LeaseRequest`/`EventList` into them and `Lease` back into `JobRunLease`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from armada_core.executors import Executor
from armada_core.jobs import JobRecord, KubeObject
from armada_core.retry.mutations import RetryPatch
from armada_core.runs import Run
from armada_core.state_machine import FailureCause

if TYPE_CHECKING:
    from armada_core.ports import PodSpec


@dataclass(frozen=True, slots=True)
class LeaseCall:
    """One LeaseJobRuns request: the snapshot and how many new runs it may take.

    `wait_ns`: how long the executor lets the server hold a call that has nothing to
    say yet (0, Armada's behaviour: answer at once); see `lease.answer_when_due`.
    """

    executor: Executor
    max_jobs_to_lease: int
    wait_ns: int = 0


@dataclass(frozen=True, slots=True)
class LeasePatch:
    """What a lease changes in its job's pod spec, as data: the wire adapter applies it
    to the stored pod spec message, `apply_to_kube` to a Kubernetes JSON dict.

    `retry`: what the job's retries change (`retry.mutations.RetryPatch`), applied
    first; `node_selector` entries are set over the pod's own; `priority_class_name`,
    when non-empty, replaces the pod's.
    """

    node_selector: Mapping[str, str] = field(default_factory=dict)
    priority_class_name: str = ""
    retry: RetryPatch | None = None

    def apply_to_kube(self, spec: KubeObject) -> KubeObject:
        """A new pod dict with the changes; `spec` is never modified."""
        pod = dict(spec) if self.retry is None else self.retry.apply_to_kube(spec)
        if self.node_selector:
            pod["nodeSelector"] = {**(pod.get("nodeSelector") or {}), **self.node_selector}
        if self.priority_class_name:
            pod["priorityClassName"] = self.priority_class_name
        return pod


@dataclass(frozen=True, slots=True)
class Lease:
    """A run to start: the job, and its pod as the executor must create it.

    `spec` is the job's pod spec as stored (bytes and all, when it has them); `patch`
    what this run changes in it, its retries' mutations included.
    """

    run: Run
    record: JobRecord
    spec: PodSpec
    patch: LeasePatch
    labels: Mapping[str, str]
    annotations: Mapping[str, str]

    @property
    def pod_spec(self) -> KubeObject:
        """The pod as the executor must create it, in Kubernetes JSON shape (cold paths)."""
        return self.patch.apply_to_kube(self.spec.kube())


@dataclass(frozen=True, slots=True)
class LeaseAnswer:
    """Runs the executor must drop, and runs it must (re)start, in run order."""

    cancel_run_ids: tuple[str, ...]
    leases: tuple[Lease, ...]

    @property
    def empty(self) -> bool:
        return not (self.cancel_run_ids or self.leases)


class RunEventKind(StrEnum):
    """The executor-emitted run events that change anything."""

    ASSIGNED = "assigned"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    ERRORS = "errors"


class ErrorReason(StrEnum):
    """Which case of armadaevents `Error.reason` a run error carries."""

    POD_ERROR = "pod_error"
    LEASE_RETURNED = "lease_returned"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class ContainerFailure:
    """One failed container of a pod error."""

    name: str
    exit_code: int
    message: str = ""
    reason: str = ""
    cause: FailureCause = FailureCause.ERROR


@dataclass(frozen=True, slots=True)
class RunError:
    """A run error; only terminal ones end the run."""

    terminal: bool
    reason: ErrorReason
    message: str = ""
    cause: FailureCause = FailureCause.ERROR
    containers: tuple[ContainerFailure, ...] = ()
    run_attempted: bool = True
    category: str = ""
    subcategory: str = ""


@dataclass(frozen=True, slots=True)
class PodInfo:
    """Where the executor placed the run's pod (what it knows of it)."""

    name: str = ""
    namespace: str = ""
    kubernetes_id: str = ""
    pod_number: int = 0
    node_name: str = ""


@dataclass(frozen=True, slots=True)
class RunEvent:
    """One event an executor reported about a run."""

    kind: RunEventKind
    job_id: str
    run_id: str
    created_ns: int
    pod: PodInfo = field(default_factory=PodInfo)
    errors: tuple[RunError, ...] = ()

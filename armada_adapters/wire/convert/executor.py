"""The executor API (`executorapi`, `armadaevents`) ⇄ core values, as Go-JSON dicts.

Requests: `LeaseRequest` → `LeaseCall`, `EventList` → `RunEvent`s (only the run
events that change anything; the rest are dropped here). Replies: a `LeaseAnswer` →
the `LeaseStreamMessage`s of one lease call (CancelRuns, one lease per run, End).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from armada_adapters.wire.convert.common import JsonDict, compact, integer, string_map, text
from armada_adapters.wire.errors import WireDecodeError
from armada_core.execution import (
    ContainerFailure,
    ErrorReason,
    Lease,
    LeaseAnswer,
    LeaseCall,
    PodInfo,
    RunError,
    RunEvent,
    RunEventKind,
)
from armada_core.executors import Executor, NodeSnapshot
from armada_core.jobs import JobState, KubeObject
from armada_core.quantity import Quantity
from armada_core.state_machine import FailureCause

# `armadaevents.EventSequence.Event` cases that change a run, by their JSON key.
_RUN_EVENTS = {
    "jobRunAssigned": RunEventKind.ASSIGNED,
    "jobRunRunning": RunEventKind.RUNNING,
    "jobRunSucceeded": RunEventKind.SUCCEEDED,
    "jobRunErrors": RunEventKind.ERRORS,
}
_REASONS = {"podError": ErrorReason.POD_ERROR, "podLeaseReturned": ErrorReason.LEASE_RETURNED}

# Request metadata by which an executor lets the server hold a lease call that has
# nothing to say yet, up to this many milliseconds (ours sends its lease interval).
LEASE_WAIT_HEADER = "armada-lease-wait-ms"
_WAIT_DIGITS = 9


def lease_wait_ns(value: str | None) -> int:
    """The header's wait in nanoseconds (0 when absent)."""
    if value is None:
        return 0
    if not (value.isascii() and value.isdigit() and len(value) <= _WAIT_DIGITS):
        raise WireDecodeError(LEASE_WAIT_HEADER, "must be a whole number of milliseconds")
    return int(value) * 1_000_000


# ---- LeaseRequest ---------------------------------------------------------------------


def lease_call(data: Mapping[str, Any], wait_ns: int = 0) -> LeaseCall:
    """`executorapi.LeaseRequest`; the snapshot's time is set by the core."""
    executor = Executor(
        id=text(data, "executorId"),
        pool=text(data, "pool"),
        last_seen_ns=0,
        nodes=tuple(_node(n, f"nodes[{i}]") for i, n in enumerate(data.get("nodes") or ())),
        unassigned_run_ids=tuple(str(r) for r in data.get("unassignedJobRunIds") or ()),
    )
    if not executor.id:
        raise WireDecodeError("executorId", "an executor id is required")
    return LeaseCall(executor, integer(data, "maxJobsToLease"), wait_ns)


def _node(data: Mapping[str, Any], path: str) -> NodeSnapshot:
    non_armada = data.get("nonArmadaAllocatedResources") or {}
    return NodeSnapshot(
        name=text(data, "name"),
        total=_resources(data.get("totalResources"), f"{path}.totalResources"),
        non_armada={
            int(priority): _resources(r.get("resources"), f"{path}.nonArmadaAllocatedResources")
            for priority, r in non_armada.items()
        },
        taints=tuple(data.get("taints") or ()),
        labels=string_map(data, "labels"),
        unschedulable=bool(data.get("unschedulable")),
        run_states={str(r): _state_name(s) for r, s in (data.get("runIdsByState") or {}).items()},
        pool=text(data, "pool"),
    )


def _resources(data: Mapping[str, Any] | None, path: str) -> dict[str, int]:
    try:
        return {str(k): Quantity.parse(v).nanos for k, v in (data or {}).items()}
    except ValueError as exc:
        raise WireDecodeError(path, str(exc)) from None


def _state_name(value: Any) -> str:
    try:
        return JobState(int(value)).name
    except ValueError:
        return JobState.UNKNOWN.name


# ---- EventList ------------------------------------------------------------------------


def run_events(data: Mapping[str, Any]) -> list[RunEvent]:
    """`executorapi.EventList`: the run events of every sequence, in order."""
    found = []
    for sequence in data.get("events") or ():
        for event in sequence.get("events") or ():
            case = event.get("Event") or {}
            for key, body in case.items():
                kind = _RUN_EVENTS.get(key)
                if kind is not None:
                    found.append(_run_event(kind, body, event.get("created") or {}))
    return found


def _run_event(kind: RunEventKind, body: Mapping[str, Any], created: Mapping[str, Any]) -> RunEvent:
    return RunEvent(
        kind=kind,
        job_id=text(body, "jobId"),
        run_id=text(body, "runId"),
        created_ns=integer(created, "seconds") * 1_000_000_000 + integer(created, "nanos"),
        pod=_pod(body.get("resourceInfos") or ()),
        errors=tuple(_error(e) for e in body.get("errors") or ()),
    )


def _pod(infos: Iterable[Mapping[str, Any]]) -> PodInfo:
    for info in infos:
        pod = (info.get("Info") or {}).get("podInfo")
        if pod is not None:
            meta = info.get("objectMeta") or {}
            return PodInfo(
                name=text(meta, "name"),
                namespace=text(meta, "namespace"),
                kubernetes_id=text(meta, "kubernetesId"),
                pod_number=integer(pod, "podNumber"),
                node_name=text(pod, "nodeName"),
            )
    return PodInfo()


def _error(data: Mapping[str, Any]) -> RunError:
    (case, body), *_ = (data.get("Reason") or {"": {}}).items()
    reason = _REASONS.get(case, ErrorReason.OTHER)
    message = text(body, "message") or case
    return RunError(
        terminal=bool(data.get("terminal")),
        reason=reason,
        message=message,
        cause=_cause(body.get("kubernetesReason")),
        containers=tuple(_container(c) for c in body.get("containerErrors") or ()),
        run_attempted=bool(body.get("runAttempted"))
        if reason is ErrorReason.LEASE_RETURNED
        else True,
        category=text(data, "failureCategory"),
        subcategory=text(data, "failureSubcategory"),
    )


def _container(data: Mapping[str, Any]) -> ContainerFailure:
    return ContainerFailure(
        name=text(data.get("objectMeta") or {}, "name"),
        exit_code=integer(data, "exitCode"),
        message=text(data, "message"),
        reason=text(data, "reason"),
        cause=_cause(data.get("kubernetesReason")),
    )


def _cause(value: Any) -> FailureCause:
    # KubernetesReason numbers AppError, Evicted, OOM, DeadlineExceeded match `Cause`.
    try:
        cause = FailureCause(int(value or 0))
    except ValueError:
        return FailureCause.ERROR
    return FailureCause.ERROR if cause is FailureCause.REJECTED else cause


# ---- LeaseStreamMessages --------------------------------------------------------------


def lease_messages(answer: LeaseAnswer) -> list[JsonDict]:
    """CancelRuns (when there is any), one JobRunLease per run, then the End marker."""
    messages: list[JsonDict] = []
    if answer.cancel_run_ids:
        cancel = {"jobRunIdsToCancel": list(answer.cancel_run_ids)}
        messages.append({"Event": {"cancelRuns": cancel}})
    messages += [{"Event": {"lease": _lease(lease)}} for lease in answer.leases]
    messages.append({"Event": {"end": {}}})
    return messages


def _lease(lease: Lease) -> JsonDict:
    job = lease.record.job
    out = compact(queue=job.queue, jobset=job.job_set_id, user=job.owner, groups=list(job.groups))
    out["job"] = submit_job(lease)
    out["jobRunId"] = lease.run.id
    return out


def submit_job(lease: Lease) -> JsonDict:
    """`armadaevents.SubmitJob` of a lease; `objectMeta` is always set (Go dereferences it)."""
    job = lease.record.job
    meta = compact(
        namespace=job.namespace,
        annotations=dict(sorted(lease.annotations.items())),
        labels=dict(sorted(lease.labels.items())),
    )
    out = compact(priority=lease.record.priority)
    out["objectMeta"] = meta
    out["mainObject"] = {
        "objectMeta": dict(meta),
        "Object": {"podSpec": {"podSpec": lease.pod_spec}},
    }
    objects = [_object(s, "service") for s in job.services]
    objects += [_object(i, "ingress") for i in job.ingresses]
    out.update(compact(objects=objects, jobId=job.id))
    return out


def _object(obj: KubeObject, case: str) -> JsonDict:
    metadata = obj.get("metadata") or {}
    meta = compact(
        namespace=metadata.get("namespace"),
        name=metadata.get("name"),
        annotations=metadata.get("annotations"),
        labels=metadata.get("labels"),
    )
    return {"objectMeta": meta, "Object": {case: obj.get("spec") or {}}}

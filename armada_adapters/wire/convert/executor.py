"""The executor API (`executorapi`, `armadaevents`) ⇄ core values, as Go-JSON dicts.

Requests: `LeaseRequest` → `LeaseCall`, `EventList` → `RunEvent`s (only the run
events that change anything; the rest are dropped here). Replies: a `LeaseAnswer` →
the `LeaseStreamMessage`s of one lease call (CancelRuns, one lease per run, End), as
a `LeasePage`, whose leases carry the stored pod spec bytes with the lease's changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from google.protobuf.message import Message

from armada_adapters.wire.convert.common import JsonDict, compact, integer, string_map, text
from armada_adapters.wire.errors import WireDecodeError
from armada_adapters.wire.jsoncodec import from_json
from armada_adapters.wire.pages import Page
from armada_adapters.wire.pool import message_class
from armada_core.execution import (
    ContainerFailure,
    ErrorReason,
    Lease,
    LeaseAnswer,
    LeaseCall,
    LeasePatch,
    PodInfo,
    RunError,
    RunEvent,
    RunEventKind,
)
from armada_core.executors import Executor, NodeSnapshot
from armada_core.jobs import JobState, KubeObject
from armada_core.quantity import Quantity
from armada_core.retry.mutations import RetryPatch
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

# An item of a lease call's answer: a Go-JSON message, or a lease (encoded on its own).
LeaseItem = JsonDict | Lease


def lease_messages(answer: LeaseAnswer) -> list[LeaseItem]:
    """CancelRuns (when there is any), one JobRunLease per run, then the End marker."""
    messages: list[LeaseItem] = []
    if answer.cancel_run_ids:
        cancel = {"jobRunIdsToCancel": list(answer.cancel_run_ids)}
        messages.append({"Event": {"cancelRuns": cancel}})
    messages += answer.leases
    messages.append({"Event": {"end": {}}})
    return messages


class LeasePage(Page[LeaseItem]):
    """The `LeaseStreamMessage`s of one lease call."""

    def to_json(self, item: LeaseItem) -> JsonDict:
        return lease_json(item) if isinstance(item, Lease) else item

    def to_bytes(self, item: LeaseItem) -> bytes:
        if isinstance(item, Lease):
            return lease_bytes(item)
        return bytes(
            from_json(item, message_class("executorapi.LeaseStreamMessage")).SerializeToString()
        )


def lease_json(lease: Lease) -> JsonDict:
    """A lease's `LeaseStreamMessage` as Go-JSON, its pod spec as a dict."""
    return {"Event": {"lease": _lease(lease, lease.pod_spec)}}


def lease_bytes(lease: Lease) -> bytes:
    """The protobuf bytes of `lease_json(lease)`'s message, the pod spec parsed in from
    its stored bytes and the lease's changes set on the message (no dict of the pod on
    the way); a pod spec without bytes, or changes the message refuses, go the dict way."""
    data = lease.spec.encoded()
    if data is not None:
        message = from_json(
            {"Event": {"lease": _lease(lease, None)}},
            message_class("executorapi.LeaseStreamMessage"),
        )
        pod = message.lease.job.mainObject.pod_spec.pod_spec  # type: ignore[attr-defined]
        pod.SetInParent()  # set even when empty, as the dict has it
        pod.MergeFromString(data)
        try:
            _apply(lease.patch, pod)
            return bytes(message.SerializeToString())
        except (ValueError, TypeError, WireDecodeError):
            pass  # not as the patch expects (it was worked out from this pod): the dict way
    return bytes(
        from_json(
            lease_json(lease), message_class("executorapi.LeaseStreamMessage")
        ).SerializeToString()
    )


def _apply(patch: LeasePatch, pod: Any) -> None:
    """`patch` set on a PodSpec message, as `LeasePatch.apply_to_kube` sets it on a dict."""
    if patch.retry is not None:
        _apply_retry(patch.retry, pod)
    changes = _patch_message(patch)
    if changes is not None:
        pod.MergeFrom(changes)  # map entries and set fields of `changes` win


def _apply_retry(retry: RetryPatch, pod: Any) -> None:
    """The retries' changes set on a PodSpec message (`RetryPatch` gives the semantics)."""
    for containers, texts in (
        (pod.containers, retry.containers),
        (pod.initContainers, retry.init_containers),
    ):
        for container, (requests, limits) in zip(containers, texts or (), strict=texts is not None):
            container.resources.SetInParent()  # the dict gives every container `resources`
            if requests is not None:
                container.resources.requests[_MEMORY].string = requests
            if limits is not None:
                container.resources.limits[_MEMORY].string = limits
    if retry.avoid:
        required = pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution
        required.SetInParent()
        if not required.nodeSelectorTerms:
            required.nodeSelectorTerms.add()
        avoid = [
            from_json(a, message_class("k8s.io.api.core.v1.NodeSelectorRequirement"))
            for a in retry.avoid
        ]  # the codec's texts
        for term in required.nodeSelectorTerms:
            term.matchExpressions.extend(avoid)


_MEMORY = "memory"


def _patch_message(patch: LeasePatch) -> Message | None:
    """The lease's node selector and priority class as a PodSpec holding only them."""
    changes: JsonDict = {}
    if patch.node_selector:
        changes["nodeSelector"] = dict(patch.node_selector)
    if patch.priority_class_name:
        changes["priorityClassName"] = patch.priority_class_name
    return from_json(changes, message_class("k8s.io.api.core.v1.PodSpec")) if changes else None


def _lease(lease: Lease, pod_spec: KubeObject | None) -> JsonDict:
    job = lease.record.job
    out = compact(queue=job.queue, jobset=job.job_set_id, user=job.owner, groups=list(job.groups))
    out["job"] = submit_job(lease, pod_spec)
    out["jobRunId"] = lease.run.id
    return out


def submit_job(lease: Lease, pod_spec: KubeObject | None) -> JsonDict:
    """`armadaevents.SubmitJob` of a lease; `objectMeta` is always set (Go dereferences it).

    Without `pod_spec` the main object's pod spec is left for the caller to set."""
    job = lease.record.job
    meta = compact(
        namespace=job.namespace,
        annotations=dict(sorted(lease.annotations.items())),
        labels=dict(sorted(lease.labels.items())),
    )
    out = compact(priority=lease.record.priority)
    out["objectMeta"] = meta
    main: JsonDict = {"podSpec": {"podSpec": pod_spec}} if pod_spec is not None else {}
    out["mainObject"] = {"objectMeta": dict(meta), "Object": main}
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

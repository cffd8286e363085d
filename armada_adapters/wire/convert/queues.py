"""Queues: `api.Queue` and the queue requests/responses ⇄ core values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from armada_adapters.wire.convert.common import (
    JsonDict,
    compact,
    integer,
    job_states,
    number,
    string_map,
    strings,
    text,
)
from armada_adapters.wire.errors import code_for, go_status_text
from armada_core.commands import CancelOnQueue, PreemptOnQueue
from armada_core.queues import (
    PoolResourceLimits,
    PriorityClassResourceLimits,
    Queue,
    QueuePermission,
    QueueSpec,
    Subject,
)
from armada_core.results import QueueFailure, QueueInfo

# ---- requests -----------------------------------------------------------------------


def queue_spec(data: Mapping[str, Any]) -> QueueSpec:
    """`api.Queue` as a client writes it (CreateQueue, UpdateQueue)."""
    return QueueSpec(
        name=text(data, "name"),
        priority_factor=number(data, "priorityFactor"),
        user_owners=strings(data, "userOwners"),
        group_owners=strings(data, "groupOwners"),
        permissions=tuple(_permission(p) for p in data.get("permissions") or ()),
        resource_limits_by_priority_class_name={
            str(k): _class_limits(v)
            for k, v in (data.get("resourceLimitsByPriorityClassName") or {}).items()
        },
        cordoned=bool(data.get("cordoned")),
        labels=string_map(data, "labels"),
        retry_policies=strings(data, "retryPolicies"),
    )


def queue_specs(data: Mapping[str, Any]) -> list[QueueSpec]:
    """`api.QueueList` (CreateQueues, UpdateQueues)."""
    return [queue_spec(q) for q in data.get("queues") or ()]


def queue_name(data: Mapping[str, Any]) -> str:
    """The `name` of QueueGetRequest, QueueDeleteRequest, QueueCordonRequest, QueueInfoRequest."""
    return text(data, "name")


def queue_limit(data: Mapping[str, Any]) -> int:
    """`num` of StreamingQueueGetRequest (0 = all)."""
    return integer(data, "num")


def cancel_on_queue(data: Mapping[str, Any]) -> CancelOnQueue:
    """`api.QueueCancelRequest`."""
    return CancelOnQueue(
        name=text(data, "name"),
        priority_classes=strings(data, "priorityClasses"),
        job_states=job_states(data.get("jobStates") or (), "jobStates"),
        pools=strings(data, "pools"),
    )


def preempt_on_queue(data: Mapping[str, Any]) -> PreemptOnQueue:
    """`api.QueuePreemptRequest`."""
    return PreemptOnQueue(
        name=text(data, "name"),
        priority_classes=strings(data, "priorityClasses"),
        pools=strings(data, "pools"),
    )


def _permission(data: Mapping[str, Any]) -> QueuePermission:
    subjects = tuple(
        Subject(kind=text(s, "kind"), name=text(s, "name")) for s in data.get("subjects") or ()
    )
    return QueuePermission(subjects=subjects, verbs=strings(data, "verbs"))


def _fractions(data: Mapping[str, Any]) -> dict[str, float]:
    return {str(k): float(v) for k, v in (data.get("maximumResourceFraction") or {}).items()}


def _class_limits(data: Mapping[str, Any]) -> PriorityClassResourceLimits:
    pools = data.get("maximumResourceFractionByPool") or {}
    return PriorityClassResourceLimits(
        maximum_resource_fraction=_fractions(data),
        maximum_resource_fraction_by_pool={
            str(k): PoolResourceLimits(_fractions(v)) for k, v in pools.items()
        },
    )


# ---- responses ----------------------------------------------------------------------


def queue_json(queue: Queue) -> JsonDict:
    """`api.Queue` as GetQueue answers it: owners never appear (they are permissions)."""
    return compact(
        name=queue.name,
        priorityFactor=float(queue.priority_factor),
        resourceLimitsByPriorityClassName=_limits_json(
            queue.resource_limits_by_priority_class_name
        ),
        permissions=[_permission_json(p) for p in queue.permissions],
        cordoned=queue.cordoned,
        labels=dict(sorted(queue.labels.items())),
        retryPolicies=list(queue.retry_policies),
    )


def queue_spec_json(spec: QueueSpec) -> JsonDict:
    """`api.Queue` echoing a client's spec (the `queue` of a batch failure)."""
    return compact(
        name=spec.name,
        priorityFactor=float(spec.priority_factor),
        userOwners=list(spec.user_owners),
        groupOwners=list(spec.group_owners),
        resourceLimitsByPriorityClassName=_limits_json(spec.resource_limits_by_priority_class_name),
        permissions=[_permission_json(p) for p in spec.permissions],
        cordoned=spec.cordoned,
        labels=dict(sorted(spec.labels.items())),
        retryPolicies=list(spec.retry_policies),
    )


def streaming_queue(queue: Queue) -> JsonDict:
    """One `api.StreamingQueueMessage` carrying a queue."""
    return {"Event": {"queue": queue_json(queue)}}


def streaming_end() -> JsonDict:
    """The `api.StreamingQueueMessage` that ends GetQueues."""
    return {"Event": {"end": {}}}


def batch_queue_response(failures: Iterable[QueueFailure]) -> JsonDict:
    """`api.BatchQueueCreateResponse` / `BatchQueueUpdateResponse` (same shape)."""
    failed = [{"queue": queue_spec_json(f.spec), "error": _error_text(f)} for f in failures]
    return compact(failedQueues=failed)


def queue_info_json(info: QueueInfo) -> JsonDict:
    """The legacy `api.QueueInfo`."""
    sets = [
        compact(name=a.job_set_id, queuedJobs=a.queued, leasedJobs=a.leased)
        for a in info.active_job_sets
    ]
    return compact(name=info.name, activeJobSets=sets)


def _error_text(failure: QueueFailure) -> str:
    return go_status_text(code_for(failure.error), failure.error.message)


def _permission_json(permission: QueuePermission) -> JsonDict:
    subjects = [compact(kind=s.kind, name=s.name) for s in permission.subjects]
    return compact(subjects=subjects, verbs=list(permission.verbs))


def _fractions_json(fractions: Mapping[str, float]) -> JsonDict:
    return compact(maximumResourceFraction={k: float(v) for k, v in sorted(fractions.items())})


def _limits_json(limits: Mapping[str, PriorityClassResourceLimits]) -> JsonDict:
    out = {}
    for name, limit in sorted(limits.items()):
        entry = _fractions_json(limit.maximum_resource_fraction)
        pools = {
            pool: _fractions_json(p.maximum_resource_fraction)
            for pool, p in sorted(limit.maximum_resource_fraction_by_pool.items())
        }
        out[name] = {**entry, **compact(maximumResourceFractionByPool=pools)}
    return out

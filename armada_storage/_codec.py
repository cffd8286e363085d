"""JSON for the stored values (queues, jobs, events, runs, executors), shared by the SQL backends.

Compact stdlib JSON with the dataclass field names as keys, so a row stays readable
with the `sqlite3` shell. Tuples come back as tuples where the dataclass says so;
event `fields` hold JSON values already and round-trip as JSON does (lists, not tuples);
an `events` row keeps as JSON only what the event codec declines (`_event_rows`). A
job's pod spec is not in its JSON: the SQL backends store it as protobuf bytes beside
it (`PodSpecCodec`), except in an event that carries a job not stored with it.

Text is written by orjson (a pod spec in ~3 µs where the stdlib takes ~20 µs, on the
submit path of every job). Where orjson would not reproduce what the stdlib writes
(integers beyond 64 bits, non-text keys, infinities and NaN, which it turns into
`null`), the stdlib writes the value instead, behind one leading space: still JSON,
and the sign for readers that only the stdlib reads it back exactly (orjson reads
integers beyond 64 bits as floats). So any value the stdlib round-trips, round-trips.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from armada_core.executors import Executor, NodeSnapshot
from armada_core.jobs import Job, JobRecord, JobState, ResourceRequirements
from armada_core.kube_pod import KubePodSpec
from armada_core.ports import PodSpec, PodSpecCodec
from armada_core.queues import (
    PoolResourceLimits,
    PriorityClassResourceLimits,
    Queue,
    QueuePermission,
    Subject,
)
from armada_core.retry.memory import MemoryRecord
from armada_core.retry.policy import MemoryBump, RetryAction, RetryMutation, RetryPolicy, RetryRule
from armada_core.retry.record import RetryMutations
from armada_core.runs import Run, RunState
from armada_core.submission.podspec import priority_class_name


def _plain(value: object) -> dict[Any, Any]:
    """Mappings that are not dicts (read-only views) encode as objects too."""
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


# A stateless encoder, built once: `json.dumps` with options builds one per call.
_ENCODER = json.JSONEncoder(
    separators=(",", ":"), ensure_ascii=False, check_circular=False, default=_plain
)
_EXACT = " "  # leads text only the stdlib reads back exactly


def encode(value: Any) -> str:
    """Compact JSON text."""
    try:
        data = orjson.dumps(value, default=_plain)
    except TypeError:  # orjson.JSONEncodeError: big integers, non-text keys, surrogates
        return _EXACT + _ENCODER.encode(value)
    if b"null" in data:  # a None, or a non-finite float orjson made one: be exact
        return _EXACT + _ENCODER.encode(value)
    return data.decode()


def load(text: str) -> Any:
    """A value `encode` wrote."""
    if text.startswith(_EXACT):
        return json.loads(text)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # `NaN` or `Infinity` in a row of an earlier version
        return json.loads(text)


# --- queues ----------------------------------------------------------------------------


def queue_to_json(queue: Queue) -> str:
    return encode(
        {
            "name": queue.name,
            "priority_factor": queue.priority_factor,
            "permissions": [_permission(p) for p in queue.permissions],
            "limits": {
                name: _class_limits(limits)
                for name, limits in queue.resource_limits_by_priority_class_name.items()
            },
            "cordoned": queue.cordoned,
            "labels": queue.labels,
            "retry_policies": list(queue.retry_policies),
        }
    )


def queue_from_json(text: str) -> Queue:
    data = load(text)
    return Queue(
        name=data["name"],
        priority_factor=data["priority_factor"],
        permissions=tuple(_permission_from(p) for p in data["permissions"]),
        resource_limits_by_priority_class_name={
            name: _class_limits_from(limits) for name, limits in data["limits"].items()
        },
        cordoned=data["cordoned"],
        labels=data["labels"],
        retry_policies=tuple(data["retry_policies"]),
    )


def _permission(permission: QueuePermission) -> dict[str, Any]:
    return {
        "subjects": [[s.kind, s.name] for s in permission.subjects],
        "verbs": list(permission.verbs),
    }


def _permission_from(data: Mapping[str, Any]) -> QueuePermission:
    subjects = tuple(Subject(kind, name) for kind, name in data["subjects"])
    return QueuePermission(subjects, tuple(data["verbs"]))


def _class_limits(limits: PriorityClassResourceLimits) -> dict[str, Any]:
    return {
        "fraction": limits.maximum_resource_fraction,
        "by_pool": {
            pool: p.maximum_resource_fraction
            for pool, p in limits.maximum_resource_fraction_by_pool.items()
        },
    }


def _class_limits_from(data: Mapping[str, Any]) -> PriorityClassResourceLimits:
    return PriorityClassResourceLimits(
        maximum_resource_fraction=data["fraction"],
        maximum_resource_fraction_by_pool={
            pool: PoolResourceLimits(fraction) for pool, fraction in data["by_pool"].items()
        },
    )


# --- retry policies --------------------------------------------------------------------
#
# A rule is `[action, on_category, on_subcategory, mutate]`; `mutate` is null or
# `[avoid_same_node, memory]`, and `memory` null or `[static, factor]`.


def retry_policy_to_json(policy: RetryPolicy) -> str:
    return encode(
        {
            "name": policy.name,
            "retry_limit": policy.retry_limit,
            "default_action": int(policy.default_action),
            "rules": [_rule(r) for r in policy.rules],
        }
    )


def retry_policy_from_json(text: str) -> RetryPolicy:
    data = load(text)
    return RetryPolicy(
        name=data["name"],
        retry_limit=data["retry_limit"],
        default_action=RetryAction(data["default_action"]),
        rules=tuple(_rule_from(r) for r in data["rules"]),
    )


def _rule(rule: RetryRule) -> list[Any]:
    mutate = rule.mutate
    if mutate is not None:
        memory = None if mutate.memory is None else [mutate.memory.static, mutate.memory.factor]
        return [
            int(rule.action),
            rule.on_category,
            rule.on_subcategory,
            [mutate.avoid_same_node, memory],
        ]
    return [int(rule.action), rule.on_category, rule.on_subcategory, None]


def _rule_from(data: list[Any]) -> RetryRule:
    action, category, subcategory, mutate = data
    if mutate is not None:
        avoid, memory = mutate
        bump = None if memory is None else MemoryBump(memory[0], memory[1])
        mutate = RetryMutation(avoid, bump)
    return RetryRule(RetryAction(action), category, subcategory, mutate)


# --- jobs ------------------------------------------------------------------------------


def retry_to_json(mutations: RetryMutations | None) -> str | None:
    """A job's retry record (`jobs.retry`); "" for none, None (keep) for None."""
    if mutations is None:
        return None
    if mutations.empty:
        return ""
    memory = mutations.memory
    return encode([memory.factor, memory.static, list(mutations.avoid_nodes)])


def retry_from_json(text: str) -> RetryMutations:
    if not text:
        return RetryMutations()
    factor, static, nodes = load(text)
    return RetryMutations(MemoryRecord(float(factor), static), tuple(nodes))


def job_to_json(job: Job) -> str:
    """A job's `jobs.spec`: all of it but its pod spec (stored as protobuf bytes beside
    it, `jobs.pod_spec`), with the pod's priority class for SQL to read in place."""
    data = _job_fields(job)
    data["priority_class"] = priority_class_name(job.spec.rules())
    return encode(data)


def job_from_json(text: str, spec: PodSpec) -> Job:
    """The job of a `jobs.spec` and its pod spec (decoded from `jobs.pod_spec`)."""
    return _job_from(load(text), spec)


def job_to_dict(job: Job) -> dict[str, Any]:
    """The whole job, pod spec included as Kubernetes JSON (an event's embedded job)."""
    data = _job_fields(job)
    data["pod_spec"] = job.pod_spec
    return data


def job_from_dict(data: Mapping[str, Any]) -> Job:
    return _job_from(data, KubePodSpec(data["pod_spec"]))


def _job_fields(job: Job) -> dict[str, Any]:
    requirements = job.scheduling_resource_requirements
    return {
        "id": job.id,
        "queue": job.queue,
        "job_set_id": job.job_set_id,
        "namespace": job.namespace,
        "owner": job.owner,
        "groups": job.groups,
        "priority": job.priority,
        "created_ns": job.created_ns,
        "client_id": job.client_id,
        "labels": job.labels,
        "annotations": job.annotations,
        "requirements": [requirements.requests, requirements.limits],
        "external_job_uri": job.external_job_uri,
        "services": job.services,
        "ingresses": job.ingresses,
    }


# Where a stored job keeps what the metrics group queued jobs by, for SQL to read in
# place: the pod's priority class and the summed requests (`job_to_json`'s layout).
PRIORITY_CLASS_KEYS = ("priority_class",)
REQUESTS_KEYS = ("requirements", "0")


def requests_from_json(text: str | None) -> dict[str, str]:
    """The requests object SQL extracted from a stored job (None: none)."""
    return {} if text is None else dict(load(text))


def _job_from(data: Mapping[str, Any], spec: PodSpec) -> Job:
    requests, limits = data["requirements"]
    # Positional, in `Job`'s field order: a replay builds one per `submitted` event.
    return Job(
        data["id"],
        data["queue"],
        data["job_set_id"],
        data["namespace"],
        data["owner"],
        tuple(data["groups"]),
        data["priority"],
        data["created_ns"],
        spec,
        data["client_id"],
        data["labels"],
        data["annotations"],
        ResourceRequirements(requests, limits),
        data["external_job_uri"],
        tuple(data["services"]),
        tuple(data["ingresses"]),
    )


def job_record(row: Sequence[Any], pod_specs: PodSpecCodec) -> JobRecord:
    """A job record from the row of `RECORD_COLUMNS` (`armada_storage._browse_sql`)."""
    spec, pod_spec, state, transition_ns, priority, cancel_ns, reason, user, error, retry = row
    return JobRecord(
        job=job_from_json(spec, pod_specs.decode(bytes(pod_spec))),
        state=JobState(state),
        last_transition_ns=transition_ns,
        priority=priority,
        cancel_ns=cancel_ns,
        cancel_reason=reason,
        cancel_user=user,
        error=error,
        retry=retry_from_json(retry),
    )


def upgraded_job_json(text: str, pod_specs: PodSpecCodec) -> tuple[str, bytes] | None:
    """A `jobs.spec` as releases before the pod spec bytes wrote it (the whole job, its
    pod spec as Kubernetes JSON), as `jobs.spec` and `jobs.pod_spec` now; None if it
    has no pod spec in it (upgraded already)."""
    data = load(text)
    pod = data.pop("pod_spec", None)
    if pod is None:
        return None
    data["priority_class"] = priority_class_name(pod)
    return encode(data), pod_specs.encode(KubePodSpec(pod))


# --- runs and executors ----------------------------------------------------------------
# A run's serial is its row's key, not part of its JSON.

_RUN_FIELDS = tuple(f.name for f in dataclasses.fields(Run) if f.name != "serial")


def run_to_json(run: Run) -> str:
    data = {name: getattr(run, name) for name in _RUN_FIELDS}
    data["state"] = int(run.state)
    return encode(data)


def run_columns(run: Run) -> tuple[str, str, str, bool, str]:
    """A run's row for both SQL backends: id, job id, executor, active, JSON."""
    return (run.id, run.job_id, run.executor, not run.is_terminal, run_to_json(run))


def run_from_json(text: str, serial: int) -> Run:
    data = load(text)
    data["state"] = RunState(data["state"])
    return Run(serial=serial, **data)


def executor_to_json(executor: Executor) -> str:
    return encode(
        {
            "id": executor.id,
            "pool": executor.pool,
            "last_seen_ns": executor.last_seen_ns,
            "nodes": [_node(n) for n in executor.nodes],
            "unassigned_run_ids": list(executor.unassigned_run_ids),
        }
    )


def executor_from_json(text: str) -> Executor:
    data = load(text)
    return Executor(
        id=data["id"],
        pool=data["pool"],
        last_seen_ns=data["last_seen_ns"],
        nodes=tuple(_node_from(n) for n in data["nodes"]),
        unassigned_run_ids=tuple(data["unassigned_run_ids"]),
    )


def _node(node: NodeSnapshot) -> dict[str, Any]:
    return {
        "name": node.name,
        "total": dict(node.total),
        "non_armada": [[p, dict(r)] for p, r in node.non_armada.items()],  # int keys
        "taints": [dict(t) for t in node.taints],
        "labels": dict(node.labels),
        "unschedulable": node.unschedulable,
        "run_states": dict(node.run_states),
        "pool": node.pool,
    }


def _node_from(data: Mapping[str, Any]) -> NodeSnapshot:
    return NodeSnapshot(
        name=data["name"],
        total=data["total"],
        non_armada={int(p): r for p, r in data["non_armada"]},
        taints=tuple(data["taints"]),
        labels=data["labels"],
        unschedulable=data["unschedulable"],
        run_states=data["run_states"],
        pool=data["pool"],
    )

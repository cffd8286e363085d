"""Jobs: `api.Job` and the `api.Jobs` query service ⇄ core values."""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from google.protobuf.message import Message

from armada_adapters.wire._k8s import is_quantity
from armada_adapters.wire.convert.common import JsonDict, compact, flag, strings, text, timestamp
from armada_adapters.wire.errors import WireDecodeError
from armada_adapters.wire.jsoncodec import from_json
from armada_adapters.wire.pool import message_class
from armada_adapters.wire.protobytes import delimited, string, tag, timestamp_body
from armada_core.jobs import Job, JobState, ResourceRequirements
from armada_core.results import JobDetails
from armada_core.runs import Run


@dataclass(frozen=True, slots=True)
class ExternalUriQuery:
    """`api.JobStatusUsingExternalJobUriRequest`."""

    queue: str
    job_set_id: str
    uri: str


@dataclass(frozen=True, slots=True)
class JobDetailsQuery:
    """`api.JobDetailsRequest`."""

    job_ids: list[str]
    expand_job_spec: bool
    expand_job_run: bool


# ---- requests -----------------------------------------------------------------------


def job_ids(data: Mapping[str, Any]) -> list[str]:
    """`jobIds` of JobStatusRequest / JobErrorsRequest."""
    return list(strings(data, "jobIds"))


def run_ids(data: Mapping[str, Any]) -> list[str]:
    """`runIds` of JobRunDetailsRequest."""
    return list(strings(data, "runIds"))


def external_uri_query(data: Mapping[str, Any]) -> ExternalUriQuery:
    """`api.JobStatusUsingExternalJobUriRequest`."""
    return ExternalUriQuery(
        queue=text(data, "queue"),
        job_set_id=text(data, "jobset"),
        uri=text(data, "externalJobUri"),
    )


def job_details_query(data: Mapping[str, Any]) -> JobDetailsQuery:
    """`api.JobDetailsRequest`."""
    return JobDetailsQuery(
        job_ids=job_ids(data),
        expand_job_spec=flag(data, "expandJobSpec"),
        expand_job_run=flag(data, "expandJobRun"),
    )


# ---- responses ----------------------------------------------------------------------


def job_json(job: Job) -> JsonDict:
    """`api.Job` as the `submitted` event carries it (armada-api.md §7.4)."""
    return _job_json(job, job.pod_spec)


def _job_json(job: Job, pod_spec: JsonDict | None) -> JsonDict:
    out = compact(
        id=job.id,
        clientId=job.client_id,
        jobSetId=job.job_set_id,
        queue=job.queue,
        namespace=job.namespace,
        labels=dict(sorted(job.labels.items())),
        annotations=dict(sorted(job.annotations.items())),
        owner=job.owner,
        queueOwnershipUserGroups=sorted(job.groups),
        priority=float(job.priority),
    )
    if pod_spec is not None:
        out["podSpec"] = pod_spec
    out["schedulingResourceRequirements"] = resources_json(job.scheduling_resource_requirements)
    out["created"] = timestamp(job.created_ns)
    out.update(compact(k8sIngress=list(job.ingresses), k8sService=list(job.services)))
    return out


def job_message(job: Job, target: Message) -> None:
    """Write `job` into `target`, an empty `api.Job`: `from_json(job_json(job))`, except
    that a pod spec with stored bytes (`PodSpec.encoded()`) is parsed in from them as
    they are (unknown fields too), and no dict is made on the way.

    The job's other fields are set directly; values upb or the codec would not take as
    they are (a lone surrogate, a number as a quantity) go through the codec. Raises
    what `from_json` raises.
    """
    data = job.spec.encoded()
    if data is None:
        target.CopyFrom(from_json(job_json(job), message_class("api.Job")))
        return
    if not _fields_into(job, target):
        target.CopyFrom(from_json(_job_json(job, None), message_class("api.Job")))
    target.pod_spec.SetInParent()  # type: ignore[attr-defined]  # set even when empty
    target.pod_spec.MergeFromString(data)  # type: ignore[attr-defined]


def job_fields_bytes(job: Job) -> bytes | None:
    """The bytes of the `api.Job` `_fields_into` writes (the job without its pod
    spec); None if it does not write it.

    Written by hand (`_written_fields`) where the fields are plain text and numbers,
    else set on a message.
    """
    fields = _written_fields(job)
    if fields is None:
        target = message_class("api.Job")()
        if not _fields_into(job, target):
            return None
        fields = bytes(target.SerializeToString())
    return fields


# `api.Job`'s fields by number (wire type 2 but `priority`, a double).
_ID, _JOB_SET_ID, _QUEUE, _PRIORITY, _CREATED = (
    tag(1), tag(2), tag(3), tag(4, 1), tag(6)
)  # fmt: skip
_NAMESPACE, _OWNER, _LABELS, _ANNOTATIONS, _CLIENT_ID, _GROUPS, _REQUIREMENTS = (
    tag(7), tag(8), tag(9), tag(10), tag(13), tag(15), tag(21)
)  # fmt: skip
_KEY, _VALUE = tag(1), tag(2)  # a map entry's
_DOUBLE = struct.Struct("<d")


def _written_fields(job: Job) -> bytes | None:
    """`_fields_into`'s fields as upb writes them, for a job with no Kubernetes objects
    and text that encodes as it is; None for any other (the message decides)."""
    if job.ingresses or job.services:
        return None
    try:
        shared = _shared_fields(job)
        if shared is None:
            return None
        priority = float(job.priority)
        parts = [
            string(_ID, job.id),
            shared,
            _PRIORITY + _DOUBLE.pack(priority) if priority else b"",
            delimited(_CREATED, timestamp_body(job.created_ns)),
            string(_CLIENT_ID, job.client_id),
        ]
        for key, value in job.annotations.items():
            parts.append(delimited(_ANNOTATIONS, string(_KEY, key) + string(_VALUE, value)))
    except (ValueError, TypeError, OverflowError, AttributeError):
        return None  # not text (no `encode`), a lone surrogate, a number out of range
    return b"".join(parts)


def _shared_fields(job: Job) -> bytes | None:
    """The fields a job set's jobs mostly share (all but id, time, client id and
    annotations), written once per distinct set of them; None if the requirements
    are not quantity texts. Raises what `_written_fields` catches.

    Only text is written, and only what was written is kept: a key holding anything
    else (`1`, which equals `True`) never finds another's bytes.
    """
    requirements = job.scheduling_resource_requirements
    key = (
        job.job_set_id,
        job.queue,
        job.namespace,
        job.owner,
        job.groups,
        tuple(job.labels.items()),
        tuple(requirements.requests.items()),
        tuple(requirements.limits.items()),
    )
    data = _SHARED.get(key)
    if data is None:
        resources = _resources_of(requirements)
        if resources is None:
            return None
        parts = [
            string(_JOB_SET_ID, job.job_set_id),
            string(_QUEUE, job.queue),
            string(_NAMESPACE, job.namespace),
            string(_OWNER, job.owner),
            *(delimited(_GROUPS, group.encode()) for group in sorted(job.groups)),
            *(
                delimited(_LABELS, string(_KEY, name) + string(_VALUE, value))
                for name, value in job.labels.items()
            ),
            delimited(_REQUIREMENTS, resources),
        ]
        data = b"".join(parts)
        if len(_SHARED) >= _SHARED_KEPT:
            _SHARED.clear()  # bounded; refilled by what replays use next
        _SHARED[key] = data
    return data


_SHARED: dict[tuple[Any, ...], bytes] = {}
_SHARED_KEPT = 1024


def _fields_into(job: Job, target: Any) -> bool:
    """Set every field of the job but its pod spec; False if one needs the codec."""
    try:
        target.id = job.id
        target.client_id = job.client_id
        target.job_set_id = job.job_set_id
        target.queue = job.queue
        target.namespace = job.namespace
        # Item by item: `update` on a upb map is `MutableMapping.update`, slower in Python.
        labels, annotations = target.labels, target.annotations
        for key, value in job.labels.items():
            labels[key] = value
        for key, value in job.annotations.items():
            annotations[key] = value
        target.owner = job.owner
        target.queue_ownership_user_groups.extend(sorted(job.groups))
        target.priority = float(job.priority)
        if not _resources_into(job.scheduling_resource_requirements, target):
            return False
        target.created.seconds, target.created.nanos = divmod(job.created_ns, 1_000_000_000)
        target.created.SetInParent()  # set, even at zero: `job_json` always writes it
        if job.ingresses or job.services:
            ingress, service = _k8s_classes()
            target.k8s_ingress.extend(from_json(i, ingress) for i in job.ingresses)
            target.k8s_service.extend(from_json(s, service) for s in job.services)
    except (ValueError, TypeError, OverflowError, WireDecodeError):
        return False  # the codec's own rules decide (a lone surrogate becomes U+FFFD)
    return True


def _resources_into(resources: ResourceRequirements, target: Any) -> bool:
    """Set the job's `scheduling_resource_requirements`; False unless every amount is a
    quantity text (numbers and junk follow the codec's own rules, the dict way)."""
    data = _resources_of(resources)
    if data is None:
        return False
    out = target.scheduling_resource_requirements
    out.SetInParent()  # `job_json` always writes it, empty or not
    out.MergeFromString(data)
    return True


def _resources_of(resources: ResourceRequirements) -> bytes | None:
    """The bytes of the job's `scheduling_resource_requirements`; None unless every
    amount is a quantity text.

    Jobs of a job set mostly share their requirements, so each distinct one is
    encoded once (`_RESOURCES`) and reused after that.
    """
    key = (tuple(resources.requests.items()), tuple(resources.limits.items()))
    try:
        data = _RESOURCES.get(key)
    except TypeError:  # an unhashable amount: not a quantity text
        return None
    if data is None:
        data = _resources_bytes(resources)
        if data is None:
            return None
        if len(_RESOURCES) >= _RESOURCES_KEPT:
            _RESOURCES.clear()  # bounded; refilled by what replays use next
        _RESOURCES[key] = data
    return data


_RESOURCES: dict[tuple[tuple[Any, ...], tuple[Any, ...]], bytes] = {}
_RESOURCES_KEPT = 4096


def _resources_bytes(resources: ResourceRequirements) -> bytes | None:
    message: Any = message_class("k8s.io.api.core.v1.ResourceRequirements")()
    for amounts, field in (
        (resources.requests, message.requests),
        (resources.limits, message.limits),
    ):
        for name, amount in amounts.items():
            if type(amount) is not str or type(name) is not str or not is_quantity(amount):
                return None
            field[name].string = amount
    return bytes(message.SerializeToString())


@cache
def _k8s_classes() -> tuple[type[Message], type[Message]]:
    return (
        message_class("k8s.io.api.networking.v1.Ingress"),
        message_class("k8s.io.api.core.v1.Service"),
    )


def resources_json(resources: ResourceRequirements) -> JsonDict:
    """A Kubernetes `ResourceRequirements` (quantity strings by resource)."""
    return compact(
        limits=dict(sorted(resources.limits.items())),
        requests=dict(sorted(resources.requests.items())),
    )


def job_status_response(states: Mapping[str, JobState]) -> JsonDict:
    """`api.JobStatusResponse`: every id with its state number (0 too: map entries stay)."""
    return compact(jobStates={k: int(v) for k, v in sorted(states.items())})


def job_errors_response(errors: Mapping[str, str]) -> JsonDict:
    """`api.JobErrorsResponse`: id → error text ("" kept)."""
    return compact(jobErrors=dict(sorted(errors.items())))


def job_details_response(details: Mapping[str, JobDetails]) -> JsonDict:
    """`api.JobDetailsResponse`."""
    return compact(jobDetails={k: job_details_json(v) for k, v in sorted(details.items())})


def job_details_json(details: JobDetails) -> JsonDict:
    """`api.JobDetails` from a job record; the job spec only when asked for."""
    record, job = details.record, details.record.job
    out = compact(
        jobId=job.id,
        queue=job.queue,
        jobset=job.job_set_id,
        namespace=job.namespace,
        state=int(record.state),
    )
    out["submittedTs"] = timestamp(job.created_ns)
    if record.cancel_ns:
        out["cancelTs"] = timestamp(record.cancel_ns)
    out.update(compact(cancelReason=record.cancel_reason))
    out["lastTransitionTs"] = timestamp(record.last_transition_ns)
    if details.runs:
        out["latestRunId"] = details.runs[-1].id
    if details.expand_job_spec:
        out["jobSpec"] = job_json(job)
    if details.expand_job_run:
        out.update(compact(jobRuns=[run_details_json(run) for run in details.runs]))
    out.update(compact(cancelUser=record.cancel_user))
    return out


def run_details_json(run: Run) -> JsonDict:
    """`api.JobRunDetails`: where a run went and when it got how far."""
    out = compact(
        runId=run.id, jobId=run.job_id, state=int(run.state), cluster=run.executor, node=run.node
    )
    for key, ns in (
        ("leasedTs", run.leased_ns),
        ("pendingTs", run.pending_ns),
        ("startedTs", run.running_ns),
        ("finishedTs", run.finished_ns),
    ):
        if ns:
            out[key] = timestamp(ns)
    return out


def job_run_details_response(runs: Mapping[str, Run]) -> JsonDict:
    """`api.JobRunDetailsResponse`: the known runs by id."""
    details = {run_id: run_details_json(run) for run_id, run in sorted(runs.items())}
    return compact(jobRunDetails=details)


def active_queues_response(by_pool: Mapping[str, list[str]]) -> JsonDict:
    """`api.GetActiveQueuesResponse`: pool → queues with leased/pending/running jobs."""
    pools = {pool: compact(queues=list(queues)) for pool, queues in sorted(by_pool.items())}
    return compact(activeQueuesByPool=pools)

"""Submit, cancel, reprioritize, preempt: `api.Submit` requests/responses ⇄ core values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from armada_adapters.wire.convert.common import (
    JsonDict,
    compact,
    job_states,
    number,
    strings,
    text,
    unique,
)
from armada_adapters.wire.pod_spec import UpbPodSpec
from armada_core.commands import (
    CancelJobs,
    CancelJobSet,
    IngressConfig,
    JobSubmitItem,
    KubeServiceConfig,
    PreemptJobs,
    ReprioritizeJobs,
    SubmitJobs,
)

# ---- requests -----------------------------------------------------------------------


def submit_jobs(request: Any) -> SubmitJobs:
    """An `api.JobSubmitRequest` message as a command; its pod specs stay protobuf."""
    return submit_command(request, [submit_item(item) for item in request.job_request_items])


def submit_item(item: Any) -> JobSubmitItem:
    """One `api.JobSubmitRequestItem` message as a core item.

    Its pod specs are `UpbPodSpec`s over the request's own messages (never a dict:
    protobuf keeps unknown fields, and the size rule reads their protobuf size); the
    other fields are small and read directly. Maps in Go's (sorted key) order, as the
    JSON gives them.
    """
    return JobSubmitItem(
        priority=float(item.priority),
        namespace=item.namespace,
        client_id=item.client_id,
        labels=_string_map(item.labels),
        annotations=_string_map(item.annotations),
        pod_spec=UpbPodSpec(item.pod_spec) if item.HasField("pod_spec") else None,
        pod_specs=tuple(UpbPodSpec(p) for p in item.pod_specs),
        ingress=tuple(_ingress(i) for i in item.ingress),
        services=tuple(_service(s) for s in item.services),
        scheduler=item.scheduler,
        external_job_uri=item.external_job_uri,
    )


def submit_command(request: Any, items: Iterable[JobSubmitItem]) -> SubmitJobs:
    """The request message's command, given its items already converted."""
    return SubmitJobs(queue=request.queue, job_set_id=request.job_set_id, items=tuple(items))


def _string_map(values: Any) -> dict[str, str]:
    # (upb maps' `items()` is the slow abc mixin)
    return {key: values[key] for key in sorted(values)} if values else {}


def _ingress(message: Any) -> IngressConfig:
    # `type` is deprecated and ignored by Armada.
    return IngressConfig(
        ports=tuple(message.ports),
        annotations=_string_map(message.annotations),
        tls_enabled=message.tls_enabled,
        cert_name=message.cert_name,
        use_cluster_ip=message.use_clusterIP,
    )


def _service(message: Any) -> KubeServiceConfig:
    return KubeServiceConfig(type=int(message.type), ports=tuple(message.ports), name=message.name)


def cancel_jobs(data: Mapping[str, Any]) -> CancelJobs:
    """`api.JobCancelRequest`: `jobIds` then `jobId`, repeats dropped (first kept)."""
    ids = [*strings(data, "jobIds"), text(data, "jobId")]
    return CancelJobs(
        queue=text(data, "queue"),
        job_set_id=text(data, "jobSetId"),
        job_ids=unique(i for i in ids if i),
        reason=text(data, "reason"),
    )


def cancel_job_set(data: Mapping[str, Any]) -> CancelJobSet:
    """`api.JobSetCancelRequest`; the filter's states become core `JobState`s."""
    states = (data.get("filter") or {}).get("states") or ()
    return CancelJobSet(
        queue=text(data, "queue"),
        job_set_id=text(data, "jobSetId"),
        states=frozenset(job_states(states, "filter.states")),
        reason=text(data, "reason"),
    )


def reprioritize_jobs(data: Mapping[str, Any]) -> ReprioritizeJobs:
    """`api.JobReprioritizeRequest`."""
    return ReprioritizeJobs(
        queue=text(data, "queue"),
        job_set_id=text(data, "jobSetId"),
        new_priority=number(data, "newPriority"),
        job_ids=strings(data, "jobIds"),
    )


def preempt_jobs(data: Mapping[str, Any]) -> PreemptJobs:
    """`api.JobPreemptRequest`."""
    return PreemptJobs(
        queue=text(data, "queue"),
        job_set_id=text(data, "jobSetId"),
        job_ids=strings(data, "jobIds"),
        reason=text(data, "reason"),
    )


# ---- responses ----------------------------------------------------------------------


def submit_response(job_ids: Iterable[str]) -> JsonDict:
    """`api.JobSubmitResponse`: one item per submitted item, in order."""
    return compact(jobResponseItems=[compact(jobId=i) for i in job_ids])


def cancellation_result(job_ids: Iterable[str]) -> JsonDict:
    """`api.CancellationResult` (`[""]` for a whole job set stays as it is)."""
    return compact(cancelledIds=list(job_ids))


def reprioritize_response(results: Mapping[str, str]) -> JsonDict:
    """`api.JobReprioritizeResponse`: id → error text ("" = done)."""
    return compact(reprioritizationResults=dict(sorted(results.items())))


def preemption_result(results: Mapping[str, str]) -> JsonDict:
    """`api.PreemptionResult`: id → error text ("" = done)."""
    return compact(preemptionResults=dict(sorted(results.items())))

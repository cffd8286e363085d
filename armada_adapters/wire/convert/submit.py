"""Submit, cancel, reprioritize, preempt: `api.Submit` requests/responses ⇄ core values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from armada_adapters.wire.convert.common import (
    JsonDict,
    compact,
    flag,
    integer,
    job_states,
    number,
    string_map,
    strings,
    text,
    unique,
)
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


def submit_jobs(
    data: Mapping[str, Any], pod_spec_sizes: Sequence[int | None] | None = None
) -> SubmitJobs:
    """`api.JobSubmitRequest`; pod specs stay Kubernetes JSON.

    `pod_spec_sizes`: the protobuf size of each item's main pod spec, when the
    transport knows them (ignored unless there is one per item); else unknown.
    """
    items = [submit_item(pair) for pair in item_data(data, pod_spec_sizes)]
    return submit_command(data, items)


def item_data(
    data: Mapping[str, Any], pod_spec_sizes: Sequence[int | None] | None
) -> list[tuple[Mapping[str, Any], int | None]]:
    """Each item's JSON with its pod spec size (None where unknown), for `submit_item`."""
    items = data.get("jobRequestItems") or ()
    if pod_spec_sizes is None or len(pod_spec_sizes) != len(items):
        pod_spec_sizes = [None] * len(items)
    return list(zip(items, pod_spec_sizes, strict=True))


def submit_item(pair: tuple[Mapping[str, Any], int | None]) -> JobSubmitItem:
    """One `api.JobSubmitRequestItem` (with its pod spec size) as a core item."""
    return _item(*pair)


def submit_command(data: Mapping[str, Any], items: Iterable[JobSubmitItem]) -> SubmitJobs:
    """The request's command, given its items already converted."""
    return SubmitJobs(
        queue=text(data, "queue"), job_set_id=text(data, "jobSetId"), items=tuple(items)
    )


def _item(data: Mapping[str, Any], pod_spec_size: int | None = None) -> JobSubmitItem:
    pod_spec = data.get("podSpec")
    return JobSubmitItem(
        priority=number(data, "priority"),
        namespace=text(data, "namespace"),
        client_id=text(data, "clientId"),
        labels=string_map(data, "labels"),
        annotations=string_map(data, "annotations"),
        pod_spec=dict(pod_spec) if pod_spec is not None else None,
        pod_specs=tuple(dict(p) for p in data.get("podSpecs") or ()),
        ingress=tuple(_ingress(i) for i in data.get("ingress") or ()),
        services=tuple(_service(s) for s in data.get("services") or ()),
        scheduler=text(data, "scheduler"),
        external_job_uri=text(data, "externalJobUri"),
        pod_spec_size=pod_spec_size,
    )


def _ingress(data: Mapping[str, Any]) -> IngressConfig:
    # `type` is deprecated and ignored by Armada.
    return IngressConfig(
        ports=tuple(int(p) for p in data.get("ports") or ()),
        annotations=string_map(data, "annotations"),
        tls_enabled=flag(data, "tlsEnabled"),
        cert_name=text(data, "certName"),
        use_cluster_ip=flag(data, "useClusterIP"),
    )


def _service(data: Mapping[str, Any]) -> KubeServiceConfig:
    return KubeServiceConfig(
        type=integer(data, "type"),
        ports=tuple(int(p) for p in data.get("ports") or ()),
        name=text(data, "name"),
    )


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

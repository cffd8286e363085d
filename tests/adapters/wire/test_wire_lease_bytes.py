"""A lease's message carries the stored pod spec bytes with the lease's changes set on
the message: the same message the dict path sent.

Property: for any stored pod spec (schema-shaped, and Kubernetes JSON as clients write
it), node, priority class override and retry record, `LeasePage.to_bytes` gives the
`LeaseStreamMessage` of the lease as it was built before (the pod dict with the node
selector entry and the override written into it, `from_json` of the whole message).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_wire_event_bytes import TEXT, _client_pod, _schema_pod

from armada_adapters.wire.convert import executor
from armada_adapters.wire.errors import WireDecodeError
from armada_adapters.wire.jsoncodec import from_json, to_json
from armada_adapters.wire.pod_spec import UpbPodSpec
from armada_adapters.wire.pool import message_class
from armada_core._usecases.lease import leased_pod
from armada_core.execution import Lease, LeasePatch
from armada_core.jobs import Job, JobRecord, JobState, KubeObject
from armada_core.kube_pod import KubePodSpec
from armada_core.retry.mutations import mutated_job
from armada_core.retry.record import RetryMutations
from armada_core.runs import Run
from armada_core.scheduler_config import SchedulerConfig

LSM = message_class("executorapi.LeaseStreamMessage")
POD_SPEC = message_class("k8s.io.api.core.v1.PodSpec")
LABEL = "kubernetes.io/hostname"


def _stored(pod: KubeObject) -> UpbPodSpec | None:
    """The pod spec as a submit stores it (once through the dict, so the dict path can
    say all its bytes say); None if a submit would have refused it."""
    try:
        message = from_json(to_json(from_json(pod, POD_SPEC), keep_unknown=True), POD_SPEC)
    except WireDecodeError:
        return None
    return UpbPodSpec(data=message.SerializeToString())


def _old_pod(record: JobRecord, run: Run, config: SchedulerConfig) -> KubeObject:
    """The leased pod dict as `leased_pod` wrote it before leases named their changes."""
    job = mutated_job(record.job, record.retry, LABEL)
    spec = dict(job.spec.kube())
    if run.node:
        spec["nodeSelector"] = {**spec.get("nodeSelector", {}), LABEL: run.node}
    if config.priority_class_override:
        spec["priorityClassName"] = config.priority_class_override
    return spec


def _bytes(action: Any) -> Any:
    try:
        return LSM.FromString(action()).SerializeToString(deterministic=True)
    except Exception as error:  # the very same failure is expected either way
        return type(error), str(error)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    pod=_client_pod() | _schema_pod(),
    node=st.sampled_from(["", "node-1"]) | TEXT,
    override=st.sampled_from(["", "armada-preemptible"]),
    avoid=st.sampled_from([(), ("node-0",)]),
    labels=st.dictionaries(TEXT, TEXT, max_size=2),
)
def test_lease_bytes_are_the_dict_paths_message(
    pod: KubeObject, node: str, override: str, avoid: tuple[str, ...], labels: dict[str, str]
) -> None:
    spec = _stored(pod)
    assume(spec is not None)
    assert spec is not None
    job = Job("j", "q", "s", "ns", "me", ("g",), 3, 5, spec, labels=labels)
    record = JobRecord(job, JobState.LEASED, 5, 3, retry=RetryMutations(avoid_nodes=avoid))
    run = Run("r", "j", "ex", node, "cpu", 0, 5)
    config = SchedulerConfig(priority_class_override=override)
    lease = leased_pod(record, run, config)
    # The dict path as it was, over the same pod: with its unknown fields, which the
    # stored bytes keep (a retried job's pod spec is rewritten as a dict, without them).
    twin = KubePodSpec(to_json(spec.message, keep_unknown=True)) if not avoid else spec
    before = dataclasses.replace(record, job=dataclasses.replace(job, spec=twin))
    old = dataclasses.replace(
        lease, spec=KubePodSpec(_old_pod(before, run, config)), patch=LeasePatch()
    )
    page = executor.LeasePage([lease])
    as_before = KubePodSpec(_old_pod(record, run, config))  # what REST-like JSON showed
    assert page.to_json(lease) == executor.lease_json(dataclasses.replace(old, spec=as_before))
    expected = _bytes(lambda: from_json(executor.lease_json(old), LSM).SerializeToString())
    assert _bytes(lambda: page.to_bytes(lease)) == expected


def test_a_stored_pod_spec_is_sent_without_any_dict(monkeypatch: Any) -> None:
    spec = _stored({"containers": [{"name": "main", "image": "busybox"}]})
    assert spec is not None
    job = Job("j", "q", "s", "ns", "me", ("g",), 3, 5, spec)
    lease = Lease(
        Run("r", "j", "ex", "n1", "cpu", 0, 5),
        JobRecord(job, JobState.LEASED, 5, 3),
        spec,
        LeasePatch({LABEL: "n1"}, "armada-preemptible"),
        {},
        {},
    )
    expected = from_json(executor.lease_json(lease), LSM)

    def refuse(*_: Any) -> Any:
        raise AssertionError("the pod spec went through a dict")

    monkeypatch.setattr(UpbPodSpec, "kube", refuse)
    sent = LSM.FromString(executor.LeasePage([lease]).to_bytes(lease))
    assert sent == expected
    pod = sent.lease.job.mainObject.pod_spec.pod_spec
    assert dict(pod.nodeSelector) == {LABEL: "n1"}
    assert pod.priorityClassName == "armada-preemptible"

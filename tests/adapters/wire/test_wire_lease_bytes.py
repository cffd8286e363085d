"""A lease's message carries the stored pod spec bytes with the lease's changes set on
the message: the same message the dict path sent.

Property: for any stored pod spec (schema-shaped, and Kubernetes JSON as clients write
it), node, priority class override and retry record (memory growth, nodes to avoid),
`LeasePage.to_bytes` gives the `LeaseStreamMessage` of the lease as it was built
before (the retries' mutations, the node selector entry and the override written into
the pod dict, `from_json` of the whole message); and `mutated_job`, whose changes are
now data (`RetryPatch`), rewrites a pod dict as it did.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from event_strategies import TEXT, client_pods, schema_pods
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from armada_adapters.wire.convert import executor
from armada_adapters.wire.errors import WireDecodeError
from armada_adapters.wire.jsoncodec import from_json, to_json
from armada_adapters.wire.pod_spec import UpbPodSpec
from armada_adapters.wire.pool import message_class
from armada_core._usecases.lease import leased_pod
from armada_core.execution import Lease, LeasePatch
from armada_core.jobs import Job, JobRecord, JobState, KubeObject
from armada_core.kube_pod import KubePodSpec
from armada_core.quantity import Quantity
from armada_core.retry.memory import MemoryRecord
from armada_core.retry.mutations import mutated_job
from armada_core.retry.record import RetryMutations
from armada_core.runs import Run
from armada_core.scheduler_config import SchedulerConfig

LSM = message_class("executorapi.LeaseStreamMessage")
POD_SPEC = message_class("k8s.io.api.core.v1.PodSpec")
LABEL = "kubernetes.io/hostname"
MEMORY = st.sampled_from(
    [MemoryRecord(), MemoryRecord(factor=1.5), MemoryRecord(factor=2.0), MemoryRecord(static="1Gi")]
)


def _stored(pod: KubeObject) -> UpbPodSpec | None:
    """The pod spec as a submit stores it (once through the dict, so the dict path can
    say all its bytes say); None if a submit would have refused it."""
    try:
        message = from_json(to_json(from_json(pod, POD_SPEC), keep_unknown=True), POD_SPEC)
    except WireDecodeError:
        return None
    return UpbPodSpec(data=message.SerializeToString())


def _old_mutated(spec: KubeObject, mutations: RetryMutations) -> KubeObject:
    """The pod dict as `retry.mutations.mutated_job` rewrote it before the changes were
    data (kept here as it was, the reference)."""
    spec = dict(spec)
    if mutations.memory != MemoryRecord():
        record = mutations.memory
        static = Quantity.parse(record.static).nanos if record.static else 0
        mains = [c for c in spec.get("containers") or () if isinstance(c, dict)]
        total = sum(_old_memory_nanos(c, "requests") for c in mains)

        def main(container: Any) -> Any:
            if not isinstance(container, dict):
                return container
            share = static * _old_memory_nanos(container, "requests") // total if total else 0
            return _old_grown(container, record.factor, share)

        def init(container: Any) -> Any:
            if not isinstance(container, dict):
                return container
            return _old_grown(container, record.factor, static)

        if "containers" in spec:
            spec["containers"] = [main(c) for c in spec["containers"] or ()]
        if "initContainers" in spec:
            spec["initContainers"] = [init(c) for c in spec["initContainers"] or ()]
    if mutations.avoid_nodes:
        affinity = dict(spec.get("affinity") or {})
        node_affinity = dict(affinity.get("nodeAffinity") or {})
        required = dict(node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution") or {})
        avoid = [{"key": LABEL, "operator": "NotIn", "values": [n]} for n in mutations.avoid_nodes]
        terms = required.get("nodeSelectorTerms") or [{}]
        required["nodeSelectorTerms"] = [
            {**term, "matchExpressions": [*(term.get("matchExpressions") or ()), *avoid]}
            for term in terms
        ]
        node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = required
        affinity["nodeAffinity"] = node_affinity
        spec["affinity"] = affinity
    return spec


def _old_memory_nanos(container: KubeObject, kind: str) -> int:
    amount = ((container.get("resources") or {}).get(kind) or {}).get("memory")
    return 0 if amount is None else Quantity.parse(amount).nanos


def _old_grown(container: KubeObject, factor: float, extra_nanos: int) -> KubeObject:
    resources = dict(container.get("resources") or {})
    for kind in ("requests", "limits"):
        amounts = resources.get(kind)
        if not isinstance(amounts, dict) or "memory" not in amounts:
            continue
        original = Quantity.parse(amounts["memory"])
        numerator, denominator = factor.as_integer_ratio()
        nanos = original.nanos * numerator // denominator // 10**9 * 10**9
        nanos += extra_nanos
        resources[kind] = {**amounts, "memory": Quantity(nanos, original.format).canonical()}
    return {**container, "resources": resources}


def _old_pod(record: JobRecord, run: Run, config: SchedulerConfig) -> KubeObject:
    """The leased pod dict as `leased_pod` wrote it before leases named their changes."""
    spec = _old_mutated(record.job.spec.kube(), record.retry)
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
    pod=client_pods() | schema_pods(),
    node=st.sampled_from(["", "node-1"]) | TEXT,
    override=st.sampled_from(["", "armada-preemptible"]),
    avoid=st.sampled_from([(), ("node-0",), ("a", "b")]),
    memory=MEMORY,
    labels=st.dictionaries(TEXT, TEXT, max_size=2),
)
def test_lease_bytes_are_the_dict_paths_message(
    pod: KubeObject,
    node: str,
    override: str,
    avoid: tuple[str, ...],
    memory: MemoryRecord,
    labels: dict[str, str],
) -> None:
    spec = _stored(pod)
    assume(spec is not None)
    assert spec is not None
    job = Job("j", "q", "s", "ns", "me", ("g",), 3, 5, spec, labels=labels)
    retry = RetryMutations(memory, avoid)
    record = JobRecord(job, JobState.LEASED, 5, 3, retry=retry)
    try:
        _old_pod(record, run=Run("r", "j", "ex", node, "cpu", 0, 5), config=SchedulerConfig())
    except ValueError:
        assume(False)  # a memory text the old code could not grow either
    run = Run("r", "j", "ex", node, "cpu", 0, 5)
    config = SchedulerConfig(priority_class_override=override)
    lease = leased_pod(record, run, config)
    # The dict path as it was, over the same pod with its unknown fields (the stored
    # bytes keep them; the dict path lost them in `kube()`).
    twin = KubePodSpec(to_json(spec.message, keep_unknown=True))
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


def _pod_outcome(action: Any) -> Any:
    try:
        return action()
    except Exception as error:  # the very same failure is expected either way
        return type(error), str(error)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pod=client_pods() | schema_pods(),
    avoid=st.sampled_from([(), ("node-0",), ("a", "b")]),
    memory=MEMORY,
)
def test_retry_changes_as_data_rewrite_the_pod_as_before(
    pod: KubeObject, avoid: tuple[str, ...], memory: MemoryRecord
) -> None:
    job = Job("j", "q", "s", "ns", "me", ("g",), 3, 5, KubePodSpec(pod))
    retry = RetryMutations(memory, avoid)
    assert _pod_outcome(lambda: mutated_job(job, retry, LABEL).pod_spec) == _pod_outcome(
        lambda: _old_mutated(pod, retry) if not retry.empty else pod
    )

"""What retries have changed about a job (spec §1.8), and the job its next run gets.

A job keeps one `RetryMutations` record: the memory growth granted so far (a
`MemoryRecord`) and the nodes its retries must avoid. The submitted job never
changes; the scheduler and the lease see `mutated_job(job, mutations, label)`:

* memory: every main container's request and limit become `floor(original x factor)`
  plus its share of a static bump (`floor(static x its request / the sum of main
  requests)`); an init container gets the whole static bump; the job's summed
  requirements become `ceil(original x factor)` or `original + static`. Containers
  without a memory entry are left alone.
* nodes: a required node-affinity `NotIn` on the scheduler's node id label, one per
  avoided node, in every node selector term (one term is made if there is none).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from armada_core.jobs import Job, KubeObject, ResourceRequirements
from armada_core.kube_pod import KubePodSpec
from armada_core.quantity import Quantity
from armada_core.retry.memory import MemoryRecord
from armada_core.retry.record import RetryMutations

MEMORY = "memory"
_UNIT = 10**9  # nano-units per unit


def mutated_job(job: Job, mutations: RetryMutations, node_label: str) -> Job:
    """The job as its next run must be placed and created (the job itself if unchanged).

    Only what changes is copied (containers' resources, the affinity): the rest of the
    pod spec is shared with the submitted job, which nothing modifies.
    """
    if mutations.empty:
        return job
    spec = dict(job.pod_spec)
    requirements = job.scheduling_resource_requirements
    if mutations.memory != MemoryRecord():
        _grow_containers(spec, mutations.memory)
        requirements = _grown_requirements(requirements, mutations.memory)
    if mutations.avoid_nodes:
        _avoid(spec, node_label, mutations.avoid_nodes)
    return dataclasses.replace(
        job, spec=KubePodSpec(spec), scheduling_resource_requirements=requirements
    )


def _grown_requirements(
    requirements: ResourceRequirements, record: MemoryRecord
) -> ResourceRequirements:
    def grown(amounts: Any) -> dict[str, str]:
        out = dict(amounts)
        if MEMORY in out:
            out[MEMORY] = record.grow(Quantity.parse(out[MEMORY])).canonical()
        return out

    return ResourceRequirements(grown(requirements.requests), grown(requirements.limits))


def _grow_containers(spec: KubeObject, record: MemoryRecord) -> None:
    static = Quantity.parse(record.static).nanos if record.static else 0
    mains = [c for c in spec.get("containers") or () if isinstance(c, dict)]
    total = sum(_memory_nanos(c, "requests") for c in mains)

    def main(container: Any) -> Any:
        if not isinstance(container, dict):
            return container
        share = static * _memory_nanos(container, "requests") // total if total else 0
        return _grown_container(container, record.factor, share)

    def init(container: Any) -> Any:
        return (
            _grown_container(container, record.factor, static)
            if isinstance(container, dict)
            else container
        )

    if "containers" in spec:
        spec["containers"] = [main(c) for c in spec["containers"] or ()]
    if "initContainers" in spec:
        spec["initContainers"] = [init(c) for c in spec["initContainers"] or ()]


def _memory_nanos(container: KubeObject, kind: str) -> int:
    amount = ((container.get("resources") or {}).get(kind) or {}).get(MEMORY)
    return 0 if amount is None else Quantity.parse(amount).nanos


def _grown_container(container: KubeObject, factor: float, extra_nanos: int) -> KubeObject:
    """A copy of the container with its memory grown (what it shares is not touched)."""
    resources = dict(container.get("resources") or {})
    for kind in ("requests", "limits"):
        amounts = resources.get(kind)
        if not isinstance(amounts, dict) or MEMORY not in amounts:
            continue
        original = Quantity.parse(amounts[MEMORY])
        numerator, denominator = factor.as_integer_ratio()
        nanos = original.nanos * numerator // denominator // _UNIT * _UNIT  # whole bytes, down
        nanos += extra_nanos
        resources[kind] = {**amounts, MEMORY: Quantity(nanos, original.format).canonical()}
    return {**container, "resources": resources}


def _avoid(spec: KubeObject, label: str, nodes: tuple[str, ...]) -> None:
    affinity = dict(spec.get("affinity") or {})
    node_affinity = dict(affinity.get("nodeAffinity") or {})
    required = dict(node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    avoid = [{"key": label, "operator": "NotIn", "values": [n]} for n in nodes]
    terms = required.get("nodeSelectorTerms") or [{}]
    required["nodeSelectorTerms"] = [
        {**term, "matchExpressions": [*(term.get("matchExpressions") or ()), *avoid]}
        for term in terms
    ]
    node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = required
    affinity["nodeAffinity"] = node_affinity
    spec["affinity"] = affinity

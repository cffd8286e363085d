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

The pod spec's changes are worked out as data (`retry_patch`) and applied where the
pod lives: to a dict here, to the stored message by the wire adapter (leases).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from armada_core.jobs import Job, KubeObject, ResourceRequirements
from armada_core.kube_pod import KubePodSpec
from armada_core.quantity import Quantity
from armada_core.retry.memory import MemoryRecord
from armada_core.retry.record import RetryMutations

MEMORY = "memory"
_UNIT = 10**9  # nano-units per unit


# A container's new memory texts: its `requests` and `limits` entries (None: unchanged).
MemoryTexts = tuple[str | None, str | None]


@dataclass(frozen=True, slots=True)
class RetryPatch:
    """What a job's retries change in its pod spec, as data, worked out from the fields
    the rules read: `apply_to_kube` applies it to a Kubernetes JSON dict; the wire
    adapter sets the same on a lease's stored pod spec message. Semantics:

    - `containers` (`init_containers`), unless None, has an entry per container:
      every container that is an object gets its `resources` (empty if it had none),
      with the `memory` entry of `requests` / `limits` replaced where a text is given
      (in a dict, a list that is null becomes empty);
    - `avoid`: node selector requirements appended to every required node-affinity
      term (one term is made if there is none).
    """

    containers: tuple[MemoryTexts, ...] | None = None
    init_containers: tuple[MemoryTexts, ...] | None = None
    avoid: tuple[KubeObject, ...] = ()

    def apply_to_kube(self, spec: KubeObject) -> KubeObject:
        """A new pod dict with the changes; only what changes is copied."""
        pod = dict(spec)
        for key, texts in (
            ("containers", self.containers),
            ("initContainers", self.init_containers),
        ):
            if texts is not None and key in pod:
                pod[key] = [_with_memory(c, t) for c, t in zip(pod[key] or (), texts, strict=True)]
        if self.avoid:
            _avoid(pod, self.avoid)
        return pod


def retry_patch(spec: KubeObject, mutations: RetryMutations, node_label: str) -> RetryPatch:
    """The changes `mutations` make to a pod with these rule fields (`PodSpec.rules()`)."""
    containers: tuple[MemoryTexts, ...] | None = None
    init_containers: tuple[MemoryTexts, ...] | None = None
    if mutations.memory != MemoryRecord():
        containers, init_containers = _grown_memory(spec, mutations.memory)
    avoid = tuple(
        {"key": node_label, "operator": "NotIn", "values": [n]} for n in mutations.avoid_nodes
    )
    return RetryPatch(containers, init_containers, avoid)


def mutated_job(job: Job, mutations: RetryMutations, node_label: str) -> Job:
    """The job as its next run must be placed and created (the job itself if unchanged).

    Only what changes is copied (containers' resources, the affinity): the rest of the
    pod spec is shared with the submitted job, which nothing modifies.
    """
    if mutations.empty:
        return job
    spec = job.pod_spec
    patched = retry_patch(spec, mutations, node_label).apply_to_kube(spec)
    requirements = job.scheduling_resource_requirements
    if mutations.memory != MemoryRecord():
        requirements = _grown_requirements(requirements, mutations.memory)
    return dataclasses.replace(
        job, spec=KubePodSpec(patched), scheduling_resource_requirements=requirements
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


def _grown_memory(
    spec: KubeObject, record: MemoryRecord
) -> tuple[tuple[MemoryTexts, ...], tuple[MemoryTexts, ...]]:
    static = Quantity.parse(record.static).nanos if record.static else 0
    mains = [c for c in spec.get("containers") or () if isinstance(c, dict)]
    total = sum(_memory_nanos(c, "requests") for c in mains)

    def main(container: Any) -> MemoryTexts:
        if not isinstance(container, dict):
            return None, None
        share = static * _memory_nanos(container, "requests") // total if total else 0
        return _grown_texts(container, record.factor, share)

    def init(container: Any) -> MemoryTexts:
        if not isinstance(container, dict):
            return None, None
        return _grown_texts(container, record.factor, static)

    return (
        tuple(main(c) for c in spec.get("containers") or ()),
        tuple(init(c) for c in spec.get("initContainers") or ()),
    )


def _memory_nanos(container: KubeObject, kind: str) -> int:
    amount = ((container.get("resources") or {}).get(kind) or {}).get(MEMORY)
    return 0 if amount is None else Quantity.parse(amount).nanos


def _grown_texts(container: KubeObject, factor: float, extra_nanos: int) -> MemoryTexts:
    """The container's grown memory request and limit texts (None where it has none)."""
    resources = container.get("resources") or {}
    texts: list[str | None] = []
    for kind in ("requests", "limits"):
        amounts = resources.get(kind)
        if not isinstance(amounts, dict) or MEMORY not in amounts:
            texts.append(None)
            continue
        original = Quantity.parse(amounts[MEMORY])
        numerator, denominator = factor.as_integer_ratio()
        nanos = original.nanos * numerator // denominator // _UNIT * _UNIT  # whole bytes, down
        nanos += extra_nanos
        texts.append(Quantity(nanos, original.format).canonical())
    return texts[0], texts[1]


def _with_memory(container: Any, texts: MemoryTexts) -> Any:
    """A copy of the container with its memory texts set (what it shares is not touched)."""
    if not isinstance(container, dict):
        return container
    resources = dict(container.get("resources") or {})
    for kind, text in zip(("requests", "limits"), texts, strict=True):
        if text is not None:
            resources[kind] = {**resources[kind], MEMORY: text}
    return {**container, "resources": resources}


def _avoid(spec: KubeObject, avoid: tuple[KubeObject, ...]) -> None:
    affinity = dict(spec.get("affinity") or {})
    node_affinity = dict(affinity.get("nodeAffinity") or {})
    required = dict(node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    terms = required.get("nodeSelectorTerms") or [{}]
    required["nodeSelectorTerms"] = [
        {**term, "matchExpressions": [*(term.get("matchExpressions") or ()), *map(dict, avoid)]}
        for term in terms
    ]
    node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = required
    affinity["nodeAffinity"] = node_affinity
    spec["affinity"] = affinity

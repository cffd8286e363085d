"""A pod patch: the server's defaults (§5.3) as pure data, applied where the pod lives.

The core works a patch out from the fields the rules read (`PodSpec.rules()`); each
pod representation applies it to itself (`PodSpec.patched`): the Kubernetes JSON dict
here (`apply_to_kube`), the protobuf message behind the wire adapters. Both follow
these semantics, in Armada's order:

- `active_deadline_seconds` is set where the pod has none;
- `priority_class_name` is set where the pod's is empty;
- each container (then each init container) gets the canonical `requests` and
  `limits` texts of `containers` (`init_containers`) in place of its own, where the
  texts are non-empty or the pod named that list (an empty tuple: containers as they are;
  None for one container: that one as it is, as where its resources already are the
  texts, see `holds_texts`: the defaults' common case, which then copies nothing);
- `tolerations` are appended to the pod's own;
- `termination_grace_period_seconds` is set where the pod's is unset or zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from armada_core.jobs import KubeObject

# A container's `requests` and `limits` after the defaults, as canonical text.
ContainerTexts = tuple[Mapping[str, str], Mapping[str, str]]


@dataclass(frozen=True, slots=True)
class PodPatch:
    """What the server's defaults change in one pod (see the module's semantics)."""

    active_deadline_seconds: int | None = None
    priority_class_name: str = ""
    containers: tuple[ContainerTexts | None, ...] = ()
    init_containers: tuple[ContainerTexts | None, ...] = ()
    tolerations: tuple[KubeObject, ...] = ()
    termination_grace_period_seconds: int | None = None


def apply_to_kube(spec: KubeObject, patch: PodPatch) -> KubeObject:
    """A new pod dict with `patch` applied; `spec` is never modified.

    Only what changes is copied: the pod dict, its container lists, each container and
    its `resources`; everything else is shared with `spec`.
    """
    pod = dict(spec)
    if patch.active_deadline_seconds is not None and pod.get("activeDeadlineSeconds") is None:
        pod["activeDeadlineSeconds"] = patch.active_deadline_seconds
    if patch.priority_class_name and not pod.get("priorityClassName"):
        pod["priorityClassName"] = patch.priority_class_name
    for key, texts in (("containers", patch.containers), ("initContainers", patch.init_containers)):
        if texts:
            pod[key] = [_with_texts(c, t) for c, t in zip(pod[key], texts, strict=True)]
    if patch.tolerations:
        # Copies, so a job's pod spec never shares a dict with the configuration.
        pod["tolerations"] = [*(pod.get("tolerations") or ()), *map(dict, patch.tolerations)]
    grace = patch.termination_grace_period_seconds
    if grace is not None and not pod.get("terminationGracePeriodSeconds"):
        pod["terminationGracePeriodSeconds"] = grace
    return pod


def holds_texts(container: KubeObject, texts: ContainerTexts) -> bool:
    """Whether `container`'s `requests` and `limits` already are `texts` (an absent or
    empty list as none): then setting the texts would change nothing."""
    resources = container.get("resources") or {}
    requests, limits = texts
    return (resources.get("requests") or {}) == requests and (
        resources.get("limits") or {}
    ) == limits


def _with_texts(container: KubeObject, texts: ContainerTexts | None) -> KubeObject:
    if texts is None:
        return container
    requests, limits = texts
    resources = dict(container.get("resources") or {})
    # Copies: a job's dicts are its own, never the memo's.
    if requests or "requests" in resources:
        resources["requests"] = dict(requests)
    if limits or "limits" in resources:
        resources["limits"] = dict(limits)
    copy = dict(container)
    if resources:
        copy["resources"] = resources
    return copy

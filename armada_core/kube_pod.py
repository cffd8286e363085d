"""A pod spec held as a Kubernetes JSON dict: the core's own `PodSpec`.

For embedders that submit dicts, tests, and rows stored as JSON; the wire adapters
hand the core protobuf-backed pod specs instead.
"""

from __future__ import annotations

from armada_core.jobs import KubeObject
from armada_core.submission.patch import PodPatch, apply_to_kube


class KubePodSpec:
    """A read-only pod spec over a Kubernetes JSON dict (which it does not copy)."""

    __slots__ = ("_spec",)
    __hash__ = None  # type: ignore[assignment]  # equal by content, which is mutable

    def __init__(self, spec: KubeObject) -> None:
        self._spec = spec

    def rules(self) -> KubeObject:
        return self._spec

    def kube(self) -> KubeObject:
        return self._spec

    def size(self) -> int | None:
        return None

    def encoded(self) -> bytes | None:
        return None

    def patched(self, patch: PodPatch) -> KubePodSpec:
        return KubePodSpec(apply_to_kube(self._spec, patch))

    def __eq__(self, other: object) -> bool:
        kube = getattr(other, "kube", None)
        return callable(kube) and kube() == self._spec

    def __repr__(self) -> str:
        return f"KubePodSpec({self._spec!r})"

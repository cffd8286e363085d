"""A memo of what a pod's container resources imply, by content, per configuration.

Batch jobs repeat the same few `resources` blocks endlessly (`cpu: 500m`, `memory: 1Gi`),
and everything the resource rules and defaults derive from them (parsed quantities,
checks, canonical texts, totals, deadline and tolerations) depends only on that content
and on the configuration. So the ordinary code works each distinct content out once and
the result is reused: the key is the content itself, never an object's identity.

Only plain JSON text is memoised: str resource names and str quantities. A number
would not do (`1 == 1.0 == True` as keys, yet they parse differently), nor anything
unhashable; such pods take the ordinary path every time, as do pods with unusually
many or long resource texts. A full memo starts over.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from armada_core.jobs import KubeObject
from armada_core.submission.patch import ContainerTexts, PodPatch

# ((requests items), (limits items)) of one container
ResourcesKey = tuple[tuple[tuple[Any, Any], ...], tuple[tuple[Any, Any], ...]]
# (regular containers' keys, (init container key, is native sidecar) pairs)
PodKey = tuple[tuple[ResourcesKey, ...], tuple[tuple[ResourcesKey, bool], ...]]

V = TypeVar("V")

_NO_RESOURCES: ResourcesKey = ((), ())
MEMO_SIZE = 1024  # distinct pod resource layouts kept per memo
MAX_TEXTS = 256  # resource names and quantities in a memoised key, at most
MAX_TEXT_LENGTH = 4096  # their characters, at most


def pod_key(spec: KubeObject) -> PodKey | None:
    """The content a pod's resource rules depend on; None if it is not plain JSON."""
    try:
        regular = _resources_keys(spec.get("containers"))
        init_containers = spec.get("initContainers")
        if not init_containers:
            return regular, ()
        sidecars = [c.get("restartPolicy") == "Always" for c in init_containers]
        return regular, tuple(zip(_resources_keys(init_containers), sidecars, strict=True))
    except (AttributeError, TypeError):  # not JSON objects where objects belong
        return None


def _resources_keys(containers: Iterable[KubeObject] | None) -> tuple[ResourcesKey, ...]:
    # A plain loop: this runs twice per submitted job (validation and defaults).
    keys: list[ResourcesKey] = []
    for container in containers or ():
        resources = container.get("resources")
        if not resources:
            keys.append(_NO_RESOURCES)
            continue
        requests, limits = resources.get("requests"), resources.get("limits")
        keys.append(
            (tuple(requests.items()) if requests else (), tuple(limits.items()) if limits else ())
        )
    return tuple(keys)


def is_plain(key: PodKey) -> bool:
    """Whether `key` may be memoised: str names and quantities only (exactly), and
    small, so that a full memo stays small whatever clients send."""
    regular, init = key
    texts = [text for k in regular for text in _texts(k)]
    texts += [text for k, _sidecar in init for text in _texts(k)]
    return (
        len(texts) <= MAX_TEXTS
        and all(type(text) is str for text in texts)
        and sum(map(len, texts)) <= MAX_TEXT_LENGTH
    )


def _texts(key: ResourcesKey) -> Iterable[Any]:
    requests, limits = key
    for name, quantity in (*requests, *limits):
        yield name
        yield quantity


class Memo(Generic[V]):
    """A bounded map from plain pod keys to what they imply; thread-safe under the GIL.

    A lost race costs one duplicate computation of the same value, nothing else.
    """

    __slots__ = ("_entries", "_size")

    def __init__(self, size: int = MEMO_SIZE) -> None:
        self._entries: dict[Hashable, V] = {}
        self._size = size

    def get(self, key: PodKey | None) -> V | None:
        if key is None:
            return None
        try:
            return self._entries.get(key)
        except TypeError:  # an unhashable value somewhere in the resources
            return None

    def put(self, key: PodKey | None, value: V) -> None:
        """Remember `value` for `key` if the key is plain (see `is_plain`)."""
        if key is None or not is_plain(key):
            return
        if len(self._entries) >= self._size:
            self._entries.clear()  # simple and rare: distinct layouts are few
        self._entries[key] = value

    def __len__(self) -> int:
        return len(self._entries)


@dataclass(frozen=True, slots=True)
class PodPlan:
    """What a pod's resources imply for its defaults (see `defaults.plan_of`).

    Shared by every job with the same resources: whoever uses it copies the dicts.
    """

    # None: the container's resources are its texts already (`patch.holds_texts`)
    containers: tuple[ContainerTexts | None, ...]
    init_containers: tuple[ContainerTexts | None, ...]
    active_deadline: int | None  # seconds; None: no default deadline
    tolerations: tuple[KubeObject, ...]  # those due to the requested resources
    requests: Mapping[str, str]  # scheduling resource requirements
    limits: Mapping[str, str]
    # The defaults' patches made from this plan, by priority class name (filled by
    # `defaults.defaults_patch`; the plan is per configuration, as they are).
    patches: dict[str, PodPatch] = field(default_factory=dict, compare=False, repr=False)


class SubmissionMemo:
    """The memos of one `SubmissionConfig`: pods known to pass the resource rules, and
    pods' plans."""

    __slots__ = ("passed", "plans")

    def __init__(self, size: int = MEMO_SIZE) -> None:
        self.passed: Memo[bool] = Memo(size)
        self.plans: Memo[PodPlan] = Memo(size)

"""Pod specs as protobuf: the `PodSpec` the wire adapters hand the core, and the codec
storage keeps them with.

A `UpbPodSpec` holds a parsed `k8s.io.api.core.v1.PodSpec` message, or only its bytes
until something needs the message. Its bytes are what storage keeps and what events
and leases carry: nothing turns the pod spec into a dict on the way. The rules read
only the rule fields (`rules()`, written by the codec's own compiled field encoders,
so exactly as `to_json` writes them), and the server's defaults are applied to the
message's own bytes (`patched`: the fields they set appended, protobuf merging them;
containers whose resources change set on a parse of those); only a cold path asking
for `kube()` pays for the whole dict.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from google.protobuf.message import Message

from armada_adapters.wire._encode import _probing_encoder
from armada_adapters.wire._plans import FieldPlan, MessagePlan, plan_for
from armada_adapters.wire.jsoncodec import from_json, to_json
from armada_adapters.wire.pool import message_class
from armada_core.jobs import KubeObject
from armada_core.ports import PodSpec
from armada_core.submission.patch import ContainerTexts, PodPatch, apply_to_kube

POD_SPEC = message_class("k8s.io.api.core.v1.PodSpec")
TOLERATION = message_class("k8s.io.api.core.v1.Toleration")
RESOURCES = message_class("k8s.io.api.core.v1.ResourceRequirements")

# The fields `PodSpec.rules()` promises (armada_core/ports.py), by proto name.
POD_RULE_FIELDS = frozenset(
    {
        "priorityClassName",
        "nodeSelector",
        "tolerations",
        "affinity",
        "activeDeadlineSeconds",
        "terminationGracePeriodSeconds",
        "containers",
        "initContainers",
    }
)
CONTAINER_RULE_FIELDS = frozenset({"name", "resources", "ports", "restartPolicy"})

Encode = Callable[[Any, bool], dict[str, Any]]


@dataclasses.dataclass(frozen=True, slots=True)
class _Subset:
    """A plan's field table cut down to some fields: what `_probing_encoder` compiles."""

    fields: tuple[tuple[Any, FieldPlan], ...]


def _subset_encoder(
    plan: MessagePlan, names: frozenset[str], replaced: Mapping[str, FieldPlan] | None = None
) -> Encode:
    """The codec's own encoder of `plan`'s message, writing only the fields `names`.

    Same keys, values and presence tests as `to_json`, since the field entries are
    the codec's (`replaced` swaps some for a subset of their own).
    """
    fields = tuple(
        (field, (replaced or {}).get(p.name, p)) for field, p in plan.fields if p.name in names
    )
    # Probing (a test per field), never listing: `ListFields()` would list the others too.
    return _probing_encoder(_Subset(fields))  # type: ignore[arg-type]  # only `fields` is read


def _built(name: str) -> MessagePlan:
    plan = plan_for(message_class(name).DESCRIPTOR)
    assert isinstance(plan, MessagePlan)  # PodSpec and Container are ordinary messages
    return plan.built()


@cache
def _rules_encoder() -> Encode:
    """The encoder of `rules()`, compiled on first use (building the plans takes ~30 ms)."""
    plan = _built("k8s.io.api.core.v1.Container")
    resources = plan.field_named("resources")
    by_bytes = {"resources": dataclasses.replace(resources, encode=_by_bytes(resources.encode))}
    container = _subset_encoder(plan, CONTAINER_RULE_FIELDS, by_bytes)
    pod = _built("k8s.io.api.core.v1.PodSpec")

    def containers(values: Any, keep: bool) -> list[dict[str, Any]]:
        return [container(value, keep) for value in values]

    lists = {
        name: dataclasses.replace(pod.field_named(name), encode=containers)
        for name in ("containers", "initContainers")
    }
    return _subset_encoder(pod, POD_RULE_FIELDS, lists)


def _by_bytes(encode: Any) -> Encode:
    """`encode`, memoised by the message's bytes: batch jobs repeat the same few resources
    blocks, whose JSON (quantity texts) costs far more to read from upb than the bytes.
    The dicts are shared: `rules()` is never modified. Bounded: a full memo starts over."""
    memo: dict[bytes, dict[str, Any]] = {}

    def encode_known(message: Any, keep: bool) -> dict[str, Any]:
        key = message.SerializeToString()
        out = memo.get(key)
        if out is None:
            out = encode(message, keep)
            if len(memo) >= _MEMO_SIZE:
                memo.clear()
            memo[key] = out
        return out

    return encode_known


_MEMO_SIZE = 1024


class UpbPodSpec:
    """A read-only pod spec over a upb message or its serialized bytes."""

    __slots__ = ("_bytes", "_kube", "_message", "_rules")
    __hash__ = None  # type: ignore[assignment]  # equal by content

    def __init__(self, message: Message | None = None, data: bytes | None = None) -> None:
        if message is None and data is None:
            raise TypeError("a UpbPodSpec needs a message or its bytes")
        self._message = message
        self._bytes = data
        self._kube: KubeObject | None = None
        self._rules: KubeObject | None = None

    @property
    def message(self) -> Message:
        """The parsed message (parsed from the bytes on first use); never modify it."""
        if self._message is None:
            self._message = POD_SPEC.FromString(self._bytes or b"")
        return self._message

    def rules(self) -> KubeObject:
        if self._rules is None:
            self._rules = _rules_encoder()(self.message, False)
        return self._rules

    def kube(self) -> KubeObject:
        # Without protobuf fields our schema lacks: the bytes keep those (storage, events
        # and leases carry the bytes); the Kubernetes JSON shape has no place for them.
        if self._kube is None:
            self._kube = to_json(self.message)
        return self._kube

    def size(self) -> int | None:
        # The bytes themselves: under upb `ByteSize()` costs about what serializing does,
        # and the patched pod is made from these bytes (`patched`).
        return len(self.encoded())

    def encoded(self) -> bytes:
        if self._bytes is None:
            self._bytes = self.message.SerializeToString()
        return self._bytes

    def patched(self, patch: PodPatch) -> UpbPodSpec:
        suffix = _suffix(self.message, patch)
        if suffix is None:  # the general way: a copy of the message, patched
            copy = POD_SPEC()
            copy.CopyFrom(self.message)
            apply_to_message(copy, patch)
            patched = UpbPodSpec(copy)
        elif not _changes_containers(patch):  # the bytes, then what is set
            patched = UpbPodSpec(data=self.encoded() + suffix)
        else:  # parsing the bytes costs less than copying the message (upb)
            message = POD_SPEC.FromString(self.encoded() + suffix)
            _apply_containers(message, patch)
            patched = UpbPodSpec(message)
        if self._rules is not None:  # the patch touches rule fields only: patch them too
            patched._rules = apply_to_kube(self._rules, patch)
        return patched

    def __eq__(self, other: object) -> bool:
        kube = getattr(other, "kube", None)
        return callable(kube) and kube() == self.kube()

    def __repr__(self) -> str:
        return f"UpbPodSpec({self.kube()!r})"


def apply_to_message(pod: Any, patch: PodPatch) -> None:
    """Apply `patch` to a `PodSpec` message in place, with `patch.apply_to_kube`'s
    semantics read through the codec: a scalar the JSON would show is one the message
    has (`HasField`), a map the JSON would show is a non-empty one."""
    deadline, class_name, grace = _unset_scalars(pod, patch)
    if deadline is not None:
        pod.activeDeadlineSeconds = deadline
    if class_name:
        pod.priorityClassName = class_name
    _apply_containers(pod, patch)
    if patch.tolerations:
        pod.tolerations.extend(_TOLERATION_LISTS.get(patch.tolerations, _toleration_messages))
    if grace is not None:
        pod.terminationGracePeriodSeconds = grace


def _apply_containers(pod: Any, patch: PodPatch) -> None:
    """The container part of `apply_to_message`."""
    lists = ((pod.containers, patch.containers), (pod.initContainers, patch.init_containers))
    for containers, texts in lists:
        if texts:
            if len(containers) != len(texts):
                raise ValueError("the patch's containers do not match the pod's")
            for container, own in zip(containers, texts, strict=True):
                if own is not None:
                    _set_texts(container, own)


def _changes_containers(patch: PodPatch) -> bool:
    return any(t is not None for t in patch.containers) or any(
        t is not None for t in patch.init_containers
    )


def _unset_scalars(pod: Any, patch: PodPatch) -> tuple[int | None, str, int | None]:
    """The patch's deadline, class name and grace period the pod takes (None or "": not
    set): those it lacks, as `patch` says."""
    deadline = patch.active_deadline_seconds
    if deadline is not None and pod.HasField("activeDeadlineSeconds"):
        deadline = None
    class_name = patch.priority_class_name if not pod.priorityClassName else ""
    grace = patch.termination_grace_period_seconds
    if grace is not None and pod.terminationGracePeriodSeconds:
        grace = None
    return deadline, class_name, grace


def _suffix(pod: Any, patch: PodPatch) -> bytes | None:
    """The bytes that, appended to `pod`'s, give the pod with the patch's scalars and
    tolerations (all but the containers' part); None where they cannot.

    Protobuf's merge semantics: parsing the concatenation of two messages gives the
    first with the second merged in, where a scalar field set again takes the last
    value and a repeated field appends. A patch sets only scalars the pod lacks and
    appends tolerations, so where those scalars are absent (not merely empty) the
    appended message holds just them: the pod's own bytes (unknown fields too) are kept
    as they are, with no copy of the message. Memoised: the same few patches and
    scalars recur for every job alike.
    """
    lists = ((pod.containers, patch.containers), (pod.initContainers, patch.init_containers))
    for containers, texts in lists:
        if texts and len(containers) != len(texts):
            return None  # the general way's error to raise
    deadline, class_name, grace = _unset_scalars(pod, patch)
    if (class_name and pod.HasField("priorityClassName")) or (
        grace is not None and pod.HasField("terminationGracePeriodSeconds")
    ):
        return None  # set to "" or 0: appended, it would be in the bytes twice
    tolerations: Any = ()
    if patch.tolerations:
        tolerations = _TOLERATION_LISTS.get(patch.tolerations, _toleration_messages)
    key = (deadline, class_name, grace, id(tolerations))
    entry = _SUFFIXES.get(key)
    if entry is not None and entry[0] is tolerations:  # (holding it: the id is its own)
        return entry[1]
    message: Any = POD_SPEC()
    if deadline is not None:
        message.activeDeadlineSeconds = deadline
    if class_name:
        message.priorityClassName = class_name
    message.tolerations.extend(tolerations)
    if grace is not None:
        message.terminationGracePeriodSeconds = grace
    data: bytes = message.SerializeToString()
    if len(_SUFFIXES) >= _MEMO_SIZE:
        _SUFFIXES.clear()
    _SUFFIXES[key] = (tolerations, data)
    return data


_SUFFIXES: dict[tuple[Any, ...], tuple[Any, bytes]] = {}


def _set_texts(container: Any, texts: ContainerTexts) -> None:
    requests, limits = texts
    resources = container.resources
    if requests or len(resources.requests):
        resources.requests.clear()
    if limits or len(resources.limits):
        resources.limits.clear()
    if requests or limits:
        resources.MergeFrom(_RESOURCES.get(texts, _resources_message))  # sets the entries


def _resources_message(texts: ContainerTexts) -> Message:
    requests, limits = texts
    message = RESOURCES()
    maps: Any = (message.requests, message.limits)  # type: ignore[attr-defined]
    for entries, own in zip(maps, (requests, limits), strict=True):
        for name, text in own.items():
            entries[name].string = text
    return message


def _toleration_message(data: KubeObject) -> Message:
    return from_json(data, TOLERATION)


def _toleration_messages(data: tuple[KubeObject, ...]) -> Any:
    # (the defaults' patches are memoised: one tuple for every job alike, one look-up)
    return [_TOLERATIONS.get(t, _toleration_message) for t in data]


class _Converted:
    """Messages made from the patch's pure data, by the data object's identity.

    A patch's pieces are shared by every job alike: the configuration's tolerations,
    the memoised patch's tuple of them and the memoised plan's texts (`submission.memo`).
    So each is converted once. An entry holds its object (so its id cannot be reused)
    and a snapshot of it, compared on each use (so a changed object is converted again).
    Bounded: a full memo starts over.
    """

    __slots__ = ("_entries", "_size")

    def __init__(self, size: int = 1024) -> None:
        self._entries: dict[int, tuple[Any, Any, Any]] = {}
        self._size = size

    def get(self, data: Any, convert: Callable[[Any], Any]) -> Any:
        entry = self._entries.get(id(data))
        if entry is not None and entry[0] is data and entry[1] == data:
            return entry[2]
        message = convert(data)
        if len(self._entries) >= self._size:
            self._entries.clear()
        self._entries[id(data)] = (data, copy.deepcopy(data), message)
        return message


_RESOURCES = _Converted()
_TOLERATIONS = _Converted()
_TOLERATION_LISTS = _Converted()


class ProtobufPodSpecs:
    """The `PodSpecCodec` storage keeps pod specs with: their protobuf bytes."""

    def encode(self, spec: PodSpec) -> bytes:
        data = spec.encoded()
        if data is None:
            data = from_json(spec.kube(), POD_SPEC).SerializeToString()
        return data

    def decode(self, data: bytes) -> UpbPodSpec:
        return UpbPodSpec(data=data)


def from_config(_config: Any = None) -> ProtobufPodSpecs:
    """The codec, for the `armada.pod_spec_codec` entry point."""
    return ProtobufPodSpecs()

"""Pod specs as protobuf: the `PodSpec` the wire adapters hand the core, and the codec
storage keeps them with.

A `UpbPodSpec` holds a parsed `k8s.io.api.core.v1.PodSpec` message, or only its bytes
until something needs the message. Its bytes are what storage keeps and what events
and leases carry: nothing turns the pod spec into a dict on the way unless a cold path
asks for `kube()`.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message

from armada_adapters.wire.jsoncodec import from_json, to_json
from armada_adapters.wire.pool import message_class
from armada_core.jobs import KubeObject
from armada_core.ports import PodSpec
from armada_core.submission.patch import PodPatch, apply_to_kube

POD_SPEC = message_class("k8s.io.api.core.v1.PodSpec")


class UpbPodSpec:
    """A read-only pod spec over a upb message or its serialized bytes."""

    __slots__ = ("_bytes", "_kube", "_message")
    __hash__ = None  # type: ignore[assignment]  # equal by content

    def __init__(self, message: Message | None = None, data: bytes | None = None) -> None:
        if message is None and data is None:
            raise TypeError("a UpbPodSpec needs a message or its bytes")
        self._message = message
        self._bytes = data
        self._kube: KubeObject | None = None

    @property
    def message(self) -> Message:
        """The parsed message (parsed from the bytes on first use); never modify it."""
        if self._message is None:
            self._message = POD_SPEC.FromString(self._bytes or b"")
        return self._message

    def rules(self) -> KubeObject:
        return self.kube()

    def kube(self) -> KubeObject:
        if self._kube is None:
            self._kube = to_json(self.message)
        return self._kube

    def size(self) -> int | None:
        if self._bytes is not None:
            return len(self._bytes)
        return int(self.message.ByteSize())

    def encoded(self) -> bytes:
        if self._bytes is None:
            self._bytes = self.message.SerializeToString()
        return self._bytes

    def patched(self, patch: PodPatch) -> UpbPodSpec:
        return UpbPodSpec(from_json(apply_to_kube(self.kube(), patch), POD_SPEC))

    def __eq__(self, other: object) -> bool:
        kube = getattr(other, "kube", None)
        return callable(kube) and kube() == self.kube()

    def __repr__(self) -> str:
        return f"UpbPodSpec({self.kube()!r})"


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

"""Hypothesis strategies for random messages of the wire schema, walked from descriptors.

Values are the ones Go would produce (its canonical forms): valid quantities,
canonical IntOrString, whole-second `Time`, microsecond `MicroTime`, JSON in
`FieldsV1`, inline Kubernetes structs always present, finite floats without -0.0.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from hypothesis import strategies as st

from armada_adapters.wire import _k8s
from armada_adapters.wire.pool import service_descriptor

SERVICES = ("api.Submit", "api.QueueService", "api.RetryPolicyService", "api.Event", "api.Jobs")
MAX_DEPTH = 4
T = FieldDescriptor

_INTS = {
    T.TYPE_INT32: (-(2**31), 2**31 - 1),
    T.TYPE_SINT32: (-(2**31), 2**31 - 1),
    T.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    T.TYPE_UINT32: (0, 2**32 - 1),
    T.TYPE_FIXED32: (0, 2**32 - 1),
    T.TYPE_INT64: (-(2**63), 2**63 - 1),
    T.TYPE_SINT64: (-(2**63), 2**63 - 1),
    T.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    T.TYPE_UINT64: (0, 2**64 - 1),
    T.TYPE_FIXED64: (0, 2**64 - 1),
}
_TIME_RANGE = (-62135596800, 253402300799)  # 0001-01-01 .. 9999-12-31T23:59:59


def reachable_messages() -> list[Descriptor]:
    """Every message type reachable from the api services' requests and responses."""
    seen: dict[str, Descriptor] = {}

    def walk(descriptor: Descriptor) -> None:
        if descriptor.full_name in seen:
            return
        seen[descriptor.full_name] = descriptor
        for field in descriptor.fields:
            if field.message_type is not None:
                walk(field.message_type)

    for service in SERVICES:
        for method in service_descriptor(service).methods:
            walk(method.input_type)
            walk(method.output_type)
    return [d for d in seen.values() if not d.GetOptions().map_entry]


def _text() -> st.SearchStrategy[str]:
    return st.text(max_size=6)


def _double() -> st.SearchStrategy[float]:
    return st.floats(allow_nan=False, allow_infinity=False).map(lambda x: x + 0.0)


def go_scalar(field: FieldDescriptor) -> st.SearchStrategy[Any]:
    kind = field.type
    if kind == T.TYPE_STRING:
        return _text()
    if kind == T.TYPE_BOOL:
        return st.booleans()
    if kind == T.TYPE_BYTES:
        return st.binary(max_size=6)
    if kind == T.TYPE_DOUBLE:
        return _double()
    if kind == T.TYPE_FLOAT:
        return st.floats(width=32, allow_nan=False, allow_infinity=False).map(lambda x: x + 0.0)
    if kind == T.TYPE_ENUM:
        numbers = st.sampled_from([v.number for v in field.enum_type.values])
        return st.one_of(numbers, st.integers(-(2**31), 2**31 - 1))
    low, high = _INTS[kind]
    return st.integers(low, high)


def go_special(name: str) -> st.SearchStrategy[dict[str, Any]] | None:
    if name == _k8s.QUANTITY:
        return st.from_regex(_k8s._QUANTITY, fullmatch=True).map(lambda s: {"string": s})
    if name == _k8s.INT_OR_STRING:
        return st.one_of(
            st.integers(-(2**31), 2**31 - 1).map(lambda n: {"type": 0, "intVal": n, "strVal": ""}),
            _text().map(lambda s: {"type": 1, "intVal": 0, "strVal": s}),
        )
    if name in (_k8s.TIME, _k8s.MICRO_TIME):
        step = 1_000_000_000 if name == _k8s.TIME else 1000
        return st.builds(
            lambda s, n: {"seconds": s, "nanos": n * step},
            st.integers(*_TIME_RANGE),
            st.integers(0, 999_999_999 // step),
        )
    if name == _k8s.FIELDS_V1:
        leaf = st.one_of(st.none(), st.booleans(), st.integers(), _text())
        objects = st.dictionaries(_text(), leaf, max_size=3)
        return objects.map(
            lambda o: {"Raw": json.dumps(o, separators=(",", ":"), ensure_ascii=False).encode()}
        )
    return None


ScalarStrategy = Callable[[FieldDescriptor], st.SearchStrategy[Any]]
SpecialStrategy = Callable[[str], st.SearchStrategy[dict[str, Any]] | None]


class MessageStrategies:
    """Kwargs strategies per (message, depth), built lazily and cached.

    `scalar` and `special` choose the leaves (by default Go's canonical values); the
    hostile fuzz passes its own to reuse the walk over the descriptors.
    """

    def __init__(
        self, scalar: ScalarStrategy | None = None, special: SpecialStrategy | None = None
    ) -> None:
        self._cache: dict[tuple[str, int], st.SearchStrategy[dict[str, Any]]] = {}
        self._scalar = scalar or go_scalar
        self._special = special or go_special

    def kwargs(self, descriptor: Descriptor, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
        key = (descriptor.full_name, depth)
        if key not in self._cache:
            self._cache[key] = self._build(descriptor, depth)
        return self._cache[key]

    def _build(self, descriptor: Descriptor, depth: int) -> st.SearchStrategy[dict[str, Any]]:
        special = self._special(descriptor.full_name)
        if special is not None:
            return special
        proto = descriptor_pb2.DescriptorProto()
        descriptor.CopyToProto(proto)
        optional = {f.name for f in proto.field if f.proto3_optional}
        required: dict[str, st.SearchStrategy[Any]] = {}
        fields: dict[str, st.SearchStrategy[Any]] = {}
        oneofs: dict[str, list[tuple[str, st.SearchStrategy[Any]]]] = {}
        for field in descriptor.fields:
            value = self._field(field, depth)
            if value is None:
                continue
            oneof = field.containing_oneof if field.name not in optional else None
            if (descriptor.full_name, field.name) in _k8s.INLINE_FIELDS:
                required[field.name] = value  # Go embeds these by value: always present
            elif oneof is not None:
                oneofs.setdefault(oneof.name, []).append((field.name, value))
            else:
                fields[field.name] = value
        base = st.fixed_dictionaries(required, optional=fields)
        for members in oneofs.values():
            choice = st.one_of(st.just({}), *[v.map(lambda x, n=n: {n: x}) for n, v in members])
            base = st.builds(lambda a, b: {**a, **b}, base, choice)
        return base

    def _field(self, field: FieldDescriptor, depth: int) -> st.SearchStrategy[Any] | None:
        entry = field.message_type
        if entry is not None and entry.GetOptions().map_entry:
            key, value = entry.fields_by_name["key"], entry.fields_by_name["value"]
            values = self._single(value, depth)
            if values is None:
                return None
            return st.dictionaries(self._scalar(key), values, max_size=2)
        single = self._single(field, depth)
        if single is None:
            return None
        return st.lists(single, max_size=2) if field.is_repeated else single

    def _single(self, field: FieldDescriptor, depth: int) -> st.SearchStrategy[Any] | None:
        if field.message_type is None:
            return self._scalar(field)
        if self._special(field.message_type.full_name) is not None:
            return self.kwargs(field.message_type, depth)
        if depth >= MAX_DEPTH:
            return st.just(_minimal(field.message_type))
        return self.kwargs(field.message_type, depth + 1)


def _minimal(descriptor: Descriptor) -> dict[str, Any]:
    """The smallest message Go could produce: inline structs present, nothing else."""
    return {
        f.name: _minimal(f.message_type)
        for f in descriptor.fields
        if (descriptor.full_name, f.name) in _k8s.INLINE_FIELDS
    }

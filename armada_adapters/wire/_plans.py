"""Per-message codec plans, computed once from the descriptors and cached.

A plan knows, for each field of a message, its JSON key, how to encode the upb
value and how to decode a JSON value into what the upb constructor accepts. When
it is built (children first) it compiles its two hot functions
(`_encode.message_encoder`, `_decode.message_decoder`), which hold the field
functions and the sub-messages' compiled functions directly, so the hot path does
no descriptor inspection and no attribute lookups on plans.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from functools import cache
from typing import Any, Protocol

from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from armada_adapters.wire import _fields
from armada_adapters.wire._decode import message_decoder, set_field
from armada_adapters.wire._encode import (
    INLINE,
    NONZERO,
    PLAIN,
    UNKNOWN_KEY,
    WRAPPED,
    message_encoder,
)
from armada_adapters.wire._k8s import INLINE_FIELDS, special_codecs
from armada_adapters.wire._scalars import decode_bytes, decode_string, wrong_type
from armada_adapters.wire.errors import WireDecodeError

# Messages whose oneof is written without the Go wrapper key (`pkg/api/event_util.go`).
UNWRAPPED_ONEOFS = frozenset({"api.EventMessage"})

_NEW, _BUILDING, _BUILT = range(3)


_BUILDING_LOCK = threading.RLock()  # plans are built by one thread at a time


class DecodeContext:
    """State of one `from_json` call: whether some object carried unknown fields."""

    __slots__ = ("unknown",)

    def __init__(self) -> None:
        self.unknown = False


class Codec(Protocol):
    """Encodes one message type to JSON and decodes JSON to constructor arguments."""

    @property
    def encode(self) -> Callable[[Any, bool], Any]: ...

    @property
    def decode(self) -> Callable[[Any, Any], Any]: ...


@cache
def plan_for(descriptor: Descriptor) -> Codec:
    """The (cached) codec of a message type: a special Kubernetes codec or a plan."""
    special = special_codecs().get(descriptor.full_name)
    return special if special is not None else MessagePlan(descriptor)


@dataclasses.dataclass(frozen=True, slots=True)
class FieldPlan:
    """How one field is written and read."""

    name: str
    key: str
    mode: int
    encode: Callable[[Any, bool], Any] | None
    decode: Callable[[Any, Any], Any]
    wrapper: str = ""
    siblings: tuple[str, ...] = ()
    message: Codec | None = None
    container: int = _fields.SINGLE
    map_key: Callable[[Any, Any], Any] | None = None
    via: str | None = None
    # A string outside any oneof: the decoder's fast path may take it as it is.
    plain_string: bool = False


class MessagePlan:
    """The codec of an ordinary message; built on first use (types may be recursive).

    `encode` and `decode` start as methods that build the plan, which then replaces
    them with its compiled functions.
    """

    encode: Callable[[Any, bool], dict[str, Any]]
    decode: Callable[[Any, DecodeContext], dict[str, Any]]

    def __init__(self, descriptor: Descriptor) -> None:
        self.descriptor = descriptor
        self._state = _NEW
        self.encode = self._encode_first
        self.decode = self._decode_first

    def built(self) -> MessagePlan:
        """This plan, with its field tables computed (still building inside a cycle).

        One thread builds at a time: another thread that found a plan half built would
        call its first-use method again and recurse without end; it waits instead. A
        cycle re-enters in the building thread (the lock is re-entrant) and gets the
        plan as it is.
        """
        if self._state == _BUILT:
            return self
        with _BUILDING_LOCK:
            if self._state == _NEW:
                self._state = _BUILDING
                try:
                    self._build()
                except BaseException:
                    self._state = _NEW  # not half built: the next use tries again
                    raise
                self._state = _BUILT
        return self

    def _encode_first(self, message: Any, keep: bool) -> dict[str, Any]:
        return self.built().encode(message, keep)

    def _decode_first(self, value: Any, ctx: DecodeContext) -> dict[str, Any]:
        return self.built().decode(value, ctx)

    def _build(self) -> None:
        # Children first, so the closures below hold their compiled functions.
        for field in self.descriptor.fields:
            sub = _fields.value_message(field)
            codec = plan_for(sub) if sub is not None else None
            if isinstance(codec, MessagePlan):
                codec.built()
        fields = _field_plans(self.descriptor)
        self.fields = tuple(zip(self.descriptor.fields, fields, strict=True))
        self.by_number = {f.number: p for f, p in self.fields}
        self.inline = tuple(p for p in fields if p.mode == INLINE)
        self.keys, self.folded = _key_maps(fields, self.inline)
        self.wrappers = _wrappers(fields)
        self.encode = message_encoder(self)
        self.decode = message_decoder(self)

    def lookup(self, key: Any) -> FieldPlan | None:
        """The field a JSON key names: exact json/proto name, else case-insensitive."""
        plan = self.keys.get(key)
        if plan is None and isinstance(key, str):
            plan = self.folded.get(key.casefold())
        return plan

    def decode_extra(self, key: Any, item: Any, kwargs: dict[str, Any], ctx: Any) -> None:
        """A key naming no field: the unknown-field key, a oneof wrapper, or ignored."""
        if isinstance(key, str) and key.startswith(UNKNOWN_KEY):
            try:
                decode_bytes(item, ctx)
            except WireDecodeError as error:
                raise error.within(key) from None
            ctx.unknown = True
            return
        members = self.wrappers.get(key.casefold()) if isinstance(key, str) else None
        if members is None:
            return  # unknown keys are ignored, as Go does
        if item is None:
            for name in members:
                kwargs.pop(name, None)
            return
        try:
            self._decode_wrapped(item, members, kwargs, ctx)
        except WireDecodeError as error:
            raise error.within(key) from None

    def _decode_wrapped(
        self, item: Any, members: tuple[str, ...], kwargs: dict[str, Any], ctx: Any
    ) -> None:
        if not isinstance(item, dict):
            raise wrong_type("object", item)
        for key, value in item.items():
            plan = self.lookup(key)
            if plan is not None and plan.name in members:
                set_field(plan, key, value, kwargs, ctx)

    def decode_inline(
        self, kwargs: dict[str, Any], routed: dict[str, dict[str, Any]] | None, ctx: Any
    ) -> None:
        """Fill the embedded structs from the keys routed to them."""
        # Go embeds these structs by value: they are always present.
        for plan in self.inline:
            target = kwargs.setdefault(plan.name, {})
            data = routed.get(plan.name) if routed else None
            if data and plan.message is not None:
                target.update(plan.message.decode(data, ctx))

    def field_named(self, name: str) -> FieldPlan:
        """The plan of the field with proto name `name`."""
        return next(p for p in self.by_number.values() if p.name == name)


def _field_plans(descriptor: Descriptor) -> list[FieldPlan]:
    proto = descriptor_pb2.DescriptorProto()
    descriptor.CopyToProto(proto)
    optional = {f.name for f in proto.field if f.proto3_optional}
    return [_field_plan(descriptor, f, optional) for f in descriptor.fields]


def _field_plan(message: Descriptor, field: FieldDescriptor, optional: set[str]) -> FieldPlan:
    value_type = _fields.value_message(field)
    codec = plan_for(value_type) if value_type is not None else None
    oneof = field.containing_oneof if field.name not in optional else None
    siblings = tuple(f.name for f in oneof.fields if f is not field) if oneof else ()
    decode = _fields.decoder(field, codec)
    return FieldPlan(
        name=field.name,
        key=field.json_name,
        mode=_mode(message, field, oneof is not None),
        encode=_fields.encoder(field, codec),
        decode=decode,
        wrapper=_fields.go_name(oneof.name) if oneof else "",
        siblings=siblings,
        message=codec,
        container=_fields.container(field),
        map_key=_fields.map_key_decoder(field),
        plain_string=decode is decode_string and not siblings,
    )


def _mode(message: Descriptor, field: FieldDescriptor, in_oneof: bool) -> int:
    if (message.full_name, field.name) in INLINE_FIELDS:
        return INLINE
    if in_oneof and message.full_name not in UNWRAPPED_ONEOFS:
        return WRAPPED
    if _fields.is_float(field) and not field.has_presence and not field.is_repeated:
        return NONZERO
    return PLAIN


def _key_maps(
    fields: list[FieldPlan], inline: tuple[FieldPlan, ...]
) -> tuple[dict[str, FieldPlan], dict[str, FieldPlan]]:
    keys: dict[str, FieldPlan] = {}
    folded: dict[str, FieldPlan] = {}
    # Promoted fields of inline structs first: the struct's own fields win (Go's rule).
    for plan in inline:
        sub = plan.message
        if isinstance(sub, MessagePlan):
            sub = sub.built()
            for key, entry in sub.keys.items():
                keys[key] = dataclasses.replace(entry, via=plan.name)
            for key, entry in sub.folded.items():
                folded[key] = dataclasses.replace(entry, via=plan.name)
    for plan in fields:
        folded[plan.key.casefold()] = plan
        keys[plan.name] = plan
        keys[plan.key] = plan
    return keys, folded


def _wrappers(fields: list[FieldPlan]) -> dict[str, tuple[str, ...]]:
    groups: dict[str, list[str]] = {}
    for plan in fields:
        if plan.wrapper:
            groups.setdefault(plan.wrapper.casefold(), []).append(plan.name)
    return {key: tuple(names) for key, names in groups.items()}

"""Per-message codec plans, computed once from the descriptors and cached.

A plan knows, for each field of a message, its JSON key, how to encode the upb
value and how to decode a JSON value into what the upb constructor accepts. The
codec is then a loop over `ListFields()` one way and over the JSON object the
other way, with no descriptor inspection on the hot path.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Callable
from functools import cache
from typing import Any, Protocol

from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.unknown_fields import UnknownFieldSet

from armada_adapters.wire import _fields
from armada_adapters.wire._k8s import INLINE_FIELDS, special_codecs
from armada_adapters.wire._scalars import decode_bytes, decode_string, wrong_type
from armada_adapters.wire.errors import WireDecodeError

# Proto fields a newer client sent that our schema lacks travel through the JSON
# dict under this key (base64 of their wire bytes), so they survive a round trip.
UNKNOWN_KEY = "$unknown"

# How a field's encoded value lands in the output object.
PLAIN, NONZERO, INLINE, WRAPPED = range(4)

# Messages whose oneof is written without the Go wrapper key (`pkg/api/event_util.go`).
UNWRAPPED_ONEOFS = frozenset({"api.EventMessage"})


class DecodeContext:
    """State of one `from_json` call: whether some object carried unknown fields."""

    __slots__ = ("unknown",)

    def __init__(self) -> None:
        self.unknown = False


class Codec(Protocol):
    """Encodes one message type to JSON and decodes JSON to constructor arguments."""

    def encode(self, message: Any, keep: bool) -> Any: ...

    def decode(self, value: Any, ctx: DecodeContext) -> dict[str, Any]: ...


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
    """The codec of an ordinary message; built on first use (types may be recursive)."""

    def __init__(self, descriptor: Descriptor) -> None:
        self.descriptor = descriptor
        self._built = False

    def built(self) -> MessagePlan:
        """This plan, with its field tables computed."""
        if not self._built:
            self._build()
        return self

    def _build(self) -> None:
        fields = _field_plans(self.descriptor)
        self.by_number = {f.number: p for f, p in zip(self.descriptor.fields, fields, strict=True)}
        numbers = [f.number for f in self.descriptor.fields]
        self.ordered = numbers == sorted(numbers)
        rank = {n: i for i, n in enumerate(numbers)}
        self.rank_of: Callable[[tuple[FieldDescriptor, Any]], int] = lambda item: rank[
            item[0].number
        ]
        self.inline = tuple(p for p in fields if p.mode == INLINE)
        self.keys, self.folded = _key_maps(fields, self.inline)
        self.wrappers = _wrappers(fields)
        self._built = True

    def encode(self, message: Any, keep: bool) -> dict[str, Any]:
        """Go-JSON of `message`; with `keep`, unknown fields go under `UNKNOWN_KEY`."""
        if not self._built:
            self._build()
        out: dict[str, Any] = {}
        items = message.ListFields()
        table = self.by_number
        if not self.ordered and len(items) > 1:
            # Go writes struct (declaration) order; ListFields gives number order.
            items.sort(key=self.rank_of)
        for field, value in items:
            plan = table[field.number]
            if plan.encode is not None:
                value = plan.encode(value, keep)
            mode = plan.mode
            if mode == PLAIN:
                out[plan.key] = value
            elif mode == NONZERO:
                if value:  # proto3 keeps -0.0, Go's omitempty drops it
                    out[plan.key] = value
            elif mode == INLINE:
                if keep and UNKNOWN_KEY in value:  # keep it apart from the parent's own
                    value[f"{UNKNOWN_KEY}.{plan.name}"] = value.pop(UNKNOWN_KEY)
                out.update(value)
            else:
                out.setdefault(plan.wrapper, {})[plan.key] = value
        if keep and len(UnknownFieldSet(message)):
            out[UNKNOWN_KEY] = base64.b64encode(_unknown_bytes(message)).decode("ascii")
        return out

    def lookup(self, key: Any) -> FieldPlan | None:
        """The field a JSON key names: exact json/proto name, else case-insensitive."""
        plan = self.keys.get(key)
        if plan is None and isinstance(key, str):
            plan = self.folded.get(key.casefold())
        return plan

    def decode(self, value: Any, ctx: DecodeContext) -> dict[str, Any]:
        """Constructor arguments for the message a JSON object describes."""
        if not isinstance(value, dict):
            raise wrong_type("object", value)
        if not self._built:
            self._build()
        kwargs: dict[str, Any] = {}
        routed: dict[str, dict[str, Any]] | None = None
        keys, folded = self.keys, self.folded
        for key, item in value.items():
            # The loop is the decoder's hot path: lookups and `_set` are inlined.
            plan = keys.get(key)
            if plan is None:
                plan = folded.get(key.casefold()) if isinstance(key, str) else None
                if plan is None:
                    self._decode_extra(key, item, kwargs, ctx)
                    continue
            if plan.via is not None:
                routed = routed if routed is not None else {}
                routed.setdefault(plan.via, {})[key] = item
            elif item is None:  # null leaves the field unset
                kwargs.pop(plan.name, None)
            elif plan.plain_string and type(item) is str and item.isascii():
                kwargs[plan.name] = item  # most fields are plain strings: skip the call
            else:
                try:
                    kwargs[plan.name] = plan.decode(item, ctx)
                except WireDecodeError as error:
                    raise error.within(str(key)) from None
                for sibling in plan.siblings:  # a oneof holds the last member given
                    kwargs.pop(sibling, None)
        if self.inline:
            self._decode_inline(kwargs, routed, ctx)
        return kwargs

    def _decode_extra(self, key: Any, item: Any, kwargs: dict[str, Any], ctx: Any) -> None:
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
                _set(plan, key, value, kwargs, ctx)

    def _decode_inline(
        self, kwargs: dict[str, Any], routed: dict[str, dict[str, Any]] | None, ctx: Any
    ) -> None:
        # Go embeds these structs by value: they are always present.
        for plan in self.inline:
            target = kwargs.setdefault(plan.name, {})
            data = routed.get(plan.name) if routed else None
            if data and plan.message is not None:
                target.update(plan.message.decode(data, ctx))

    def field_named(self, name: str) -> FieldPlan:
        """The plan of the field with proto name `name`."""
        return next(p for p in self.by_number.values() if p.name == name)


def _set(plan: FieldPlan, key: Any, item: Any, kwargs: dict[str, Any], ctx: Any) -> None:
    if item is None:  # null leaves the field unset
        kwargs.pop(plan.name, None)
        return
    try:
        kwargs[plan.name] = plan.decode(item, ctx)
    except WireDecodeError as error:
        raise error.within(str(key)) from None
    for sibling in plan.siblings:  # a oneof holds one member: the last one given
        kwargs.pop(sibling, None)


def _unknown_bytes(message: Message) -> bytes:
    # Clearing every known field of a copy leaves exactly the unknown ones.
    copy = type(message)()
    copy.CopyFrom(message)
    for field, _ in copy.ListFields():
        copy.ClearField(field.name)
    return copy.SerializeToString()


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

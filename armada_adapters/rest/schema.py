"""Swagger 2.0 definitions of the messages, as the wire codec writes them.

Built from the same descriptors and the same rules as `armada_adapters.wire.jsoncodec`
(keys are `json_name`; enums, 64-bit integers and timestamps are numbers/objects;
Kubernetes quantities and times are strings; Go's oneof wrapper objects; inline
structs flattened; `api.EventMessage` unwrapped), so the document describes what
the server really emits. Every property is optional: zero values are omitted. Every
value is `x-nullable`: Go's decoder reads `null` anywhere as "unset" (or, in a list
or map, the zero value), and so does the codec.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor

from armada_adapters.wire._fields import go_name
from armada_adapters.wire._k8s import (
    FIELDS_V1,
    INLINE_FIELDS,
    INT_OR_STRING,
    MICRO_TIME,
    QUANTITY,
    TIME,
    special_codecs,
)
from armada_adapters.wire._plans import UNWRAPPED_ONEOFS

Schema = dict[str, Any]
NULLABLE = "x-nullable"
REF_PREFIX = "#/definitions/"

# JSON forms of the codec's special Kubernetes types.
_SPECIAL: Mapping[str, Schema] = {
    QUANTITY: {
        "type": "string",
        "description": "A Kubernetes quantity; numbers are accepted on input.",
    },
    INT_OR_STRING: {"description": "An integer or a string (Kubernetes IntOrString)."},
    TIME: {"type": "string", "format": "date-time"},
    MICRO_TIME: {"type": "string", "format": "date-time"},
    FIELDS_V1: {"type": "object", "description": "Raw JSON (Kubernetes FieldsV1)."},
}

_T = FieldDescriptor
_SCALARS: Mapping[int, Schema] = {
    _T.TYPE_STRING: {"type": "string"},
    _T.TYPE_BOOL: {"type": "boolean"},
    _T.TYPE_BYTES: {"type": "string", "format": "byte"},
    _T.TYPE_DOUBLE: {"type": "number", "format": "double"},
    _T.TYPE_FLOAT: {"type": "number", "format": "float"},
    _T.TYPE_INT32: {"type": "integer", "format": "int32"},
    _T.TYPE_SINT32: {"type": "integer", "format": "int32"},
    _T.TYPE_SFIXED32: {"type": "integer", "format": "int32"},
    _T.TYPE_INT64: {"type": "integer", "format": "int64"},
    _T.TYPE_SINT64: {"type": "integer", "format": "int64"},
    _T.TYPE_SFIXED64: {"type": "integer", "format": "int64"},
    _T.TYPE_UINT32: {"type": "integer", "format": "int64", "minimum": 0, "maximum": 2**32 - 1},
    _T.TYPE_FIXED32: {"type": "integer", "format": "int64", "minimum": 0, "maximum": 2**32 - 1},
    _T.TYPE_UINT64: {"type": "integer", "minimum": 0},
    _T.TYPE_FIXED64: {"type": "integer", "minimum": 0},
}


def ref(name: str) -> Schema:
    """A reference to the definition `name`."""
    return {"$ref": REF_PREFIX + name}


class Definitions:
    """Collects the definition of every message reachable from the ones asked for."""

    def __init__(self) -> None:
        self.schemas: dict[str, Schema] = {}

    def message(self, descriptor: Descriptor) -> Schema:
        """A `$ref` to the message's definition, adding it (and what it uses) if new."""
        name = descriptor.full_name
        if name not in self.schemas:
            self.schemas[name] = {}  # placeholder: messages may be recursive
            self.schemas[name] = self._definition(descriptor)
        return ref(name)

    def _definition(self, descriptor: Descriptor) -> Schema:
        name = descriptor.full_name
        if name in special_codecs():
            return {**_SPECIAL[name], NULLABLE: True}
        properties = self._properties(descriptor)
        return {"type": "object", "title": name, "properties": properties, NULLABLE: True}

    def _properties(self, descriptor: Descriptor) -> Schema:
        inline: Schema = {}
        own: Schema = {}
        wrapped: dict[str, Schema] = {}
        for field in descriptor.fields:
            if (descriptor.full_name, field.name) in INLINE_FIELDS:
                inline.update(self._properties(_message_type(field)))
                continue
            schema = self.field(field)
            oneof = _real_oneof(descriptor, field)
            if oneof is not None and descriptor.full_name not in UNWRAPPED_ONEOFS:
                wrapped.setdefault(go_name(oneof), {})[field.json_name] = schema
            else:
                own[field.json_name] = schema
        for key, members in wrapped.items():
            own[key] = {"type": "object", "properties": members, NULLABLE: True}
        # Go promotes an inline struct's fields unless the parent has its own of that name.
        return {**inline, **own}

    def field(self, field: FieldDescriptor) -> Schema:
        """The schema of a field's JSON value (list, map or single value)."""
        if _is_map(field):
            value = _message_type(field).fields_by_name["value"]
            return {"type": "object", "additionalProperties": self._single(value), NULLABLE: True}
        if field.is_repeated:
            return {"type": "array", "items": self._single(field), NULLABLE: True}
        return self._single(field)

    def _single(self, field: FieldDescriptor) -> Schema:
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            return self.message(_message_type(field))  # the definition is nullable
        if field.type == FieldDescriptor.TYPE_ENUM and field.enum_type is not None:
            return {**_enum(field.enum_type), NULLABLE: True}
        return {**_SCALARS[field.type], NULLABLE: True}


def _enum(enum: EnumDescriptor) -> Schema:
    # Open proto3 enums: any int32 is read (the core judges it) and echoed, so no list.
    listing = ", ".join(f"{v.number} = {v.name}" for v in enum.values)
    return {
        "type": "integer",
        "format": "int32",
        "description": f"{enum.full_name} as a number ({listing}); names are accepted on input.",
    }


def _message_type(field: FieldDescriptor) -> Descriptor:
    if field.message_type is None:
        raise TypeError(f"{field.full_name} is not a message field")
    return field.message_type


def _is_map(field: FieldDescriptor) -> bool:
    return (
        field.is_repeated
        and field.type == FieldDescriptor.TYPE_MESSAGE
        and bool(_message_type(field).GetOptions().map_entry)
    )


def _real_oneof(descriptor: Descriptor, field: FieldDescriptor) -> str | None:
    oneof = field.containing_oneof
    if oneof is None or field.name in _optional_fields(descriptor):
        return None  # proto3 `optional` makes a synthetic oneof: not a Go oneof
    return str(oneof.name)


@cache
def _optional_fields(descriptor: Descriptor) -> frozenset[str]:
    proto = descriptor_pb2.DescriptorProto()
    descriptor.CopyToProto(proto)
    return frozenset(f.name for f in proto.field if f.proto3_optional)

"""Path and query parameters → JSON values of request fields.

grpc-gateway parses these strings by the field's type before the request reaches
the service; here they become the JSON values the codec would have read from a
body, so the codec stays the one place that checks and converts request fields.
Query names may be a field's proto name or its JSON name; a dotted name (`a.b`)
walks into message fields (the deprecated filters of GetSchedulingReport are such),
as the gateway v1's PopulateQueryParameters does; unknown names are ignored.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from armada_adapters.wire.errors import WireDecodeError
from armada_core.echo import shown

_INTEGER = re.compile(r"[+-]?[0-9]+")
_TRUE = frozenset({"1", "t", "T", "true", "TRUE", "True"})
_FALSE = frozenset({"0", "f", "F", "false", "FALSE", "False"})
_INTEGER_TYPES = frozenset(
    {
        FieldDescriptor.CPPTYPE_INT32,
        FieldDescriptor.CPPTYPE_INT64,
        FieldDescriptor.CPPTYPE_UINT32,
        FieldDescriptor.CPPTYPE_UINT64,
    }
)
_FLOAT_TYPES = frozenset({FieldDescriptor.CPPTYPE_FLOAT, FieldDescriptor.CPPTYPE_DOUBLE})


def query_fields(
    message: Descriptor, query: Iterable[tuple[str, str]], skip: Iterable[str] = ()
) -> dict[str, Any]:
    """JSON fields from a query string; fields named in `skip` (bound by the path) excluded."""
    grouped: dict[str, list[str]] = {}
    for name, value in query:
        grouped.setdefault(name, []).append(value)
    skipped = frozenset(skip)
    fields: dict[str, Any] = {}
    for name, values in grouped.items():
        path = _path(message, name.split("."))
        if path is None or path[0].name in skipped:
            continue
        target = fields
        for outer in path[:-1]:
            target = target.setdefault(outer.json_name, {})
        target[path[-1].json_name] = _values(path[-1], values)
    return fields


def _path(message: Descriptor, names: list[str]) -> list[FieldDescriptor] | None:
    """The fields a dotted query name walks: messages on the way, a scalar at the end."""
    path: list[FieldDescriptor] = []
    for position, name in enumerate(names):
        field = _field(message, name)
        last = position == len(names) - 1
        if field is None or _is_message(field) == last or (not last and _is_repeated(field)):
            return None
        path.append(field)
        if not last and field.message_type is not None:
            message = field.message_type
    return path


def with_path_fields(
    message: Descriptor, data: Mapping[str, Any], params: Mapping[str, str]
) -> dict[str, Any]:
    """`data` with the path parameters written over their fields.

    JSON keys match case-insensitively (Go's decoder), so every spelling of a
    bound field is dropped before the path's value goes in: the path always wins.
    A dropped body value must still be of the field's type: the gateway decodes the
    body before it sets the path's fields, so a name that is a number is a 400.
    """
    merged = dict(data)
    for name, raw in params.items():
        field = message.fields_by_name[name]
        key = field.json_name.lower()
        for existing in [k for k in merged if k.lower() == key]:
            _check_overridden(field, merged.pop(existing))
        merged[field.json_name] = _values(field, [raw])
    return merged


def _check_overridden(field: FieldDescriptor, value: Any) -> None:
    """Path fields are strings in every annotated route; a body may repeat one as text."""
    is_text = field.cpp_type == FieldDescriptor.CPPTYPE_STRING and not _is_repeated(field)
    if is_text and value is not None and not isinstance(value, str):
        raise WireDecodeError(field.json_name, f"invalid string {shown(repr(value))}")


def _field(message: Descriptor, name: str) -> FieldDescriptor | None:
    field = message.fields_by_name.get(name)
    if field is not None:
        return field
    return next((f for f in message.fields if f.json_name == name), None)


def _is_message(field: FieldDescriptor) -> bool:
    return field.cpp_type == FieldDescriptor.CPPTYPE_MESSAGE


def _values(field: FieldDescriptor, raw: list[str]) -> Any:
    if _is_repeated(field):
        return [_value(field, item) for item in raw]
    if len(raw) != 1:
        raise WireDecodeError(field.json_name, f"too many values: {shown(raw)}")
    return _value(field, raw[0])


def _is_repeated(field: FieldDescriptor) -> bool:
    return bool(field.is_repeated)


def _value(field: FieldDescriptor, raw: str) -> Any:
    kind = field.cpp_type
    if kind in _INTEGER_TYPES:
        return _integer(field, raw)
    if kind in _FLOAT_TYPES:
        return _float(field, raw)
    if kind == FieldDescriptor.CPPTYPE_BOOL:
        return _bool(field, raw)
    if kind == FieldDescriptor.CPPTYPE_ENUM:
        return _enum(field, raw)
    return raw


def _integer(field: FieldDescriptor, raw: str) -> int:
    if not _INTEGER.fullmatch(raw):
        raise WireDecodeError(field.json_name, f"invalid integer {shown(repr(raw))}")
    return int(raw)


def _float(field: FieldDescriptor, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise WireDecodeError(field.json_name, f"invalid number {shown(repr(raw))}")
    return value


def _bool(field: FieldDescriptor, raw: str) -> bool:
    if raw in _TRUE or raw in _FALSE:
        return raw in _TRUE
    raise WireDecodeError(field.json_name, f"invalid boolean {shown(repr(raw))}")


def _enum(field: FieldDescriptor, raw: str) -> int:
    if _INTEGER.fullmatch(raw):
        return int(raw)
    enum = field.enum_type
    value = enum.values_by_name.get(raw) if enum is not None else None
    if value is None:
        raise WireDecodeError(field.json_name, f"invalid value {shown(repr(raw))}")
    return int(value.number)

"""Scalar JSON values ⇄ protobuf field values, with Go `encoding/json` strictness.

Decoders take the JSON value and the decode context and return what the upb
message constructor accepts; a wrong type or an out-of-range value raises
`WireDecodeError` with an empty path (the caller adds where it happened).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from google.protobuf.descriptor import EnumDescriptor, FieldDescriptor

from armada_adapters.wire.errors import WireDecodeError
from armada_core.echo import shown
from armada_core.submission._go import go_quote

Decoder = Callable[[Any, Any], Any]
Encoder = Callable[[Any, bool], Any]

INT_TEXT = re.compile(r"-?[0-9]+")
_FLOAT32_MAX = 3.4028234663852886e38

_INT_RANGES: Mapping[int, tuple[int, int, bool]] = {
    # type: (lowest, highest, accepted as a JSON string too)
    FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1, False),
    FieldDescriptor.TYPE_SINT32: (-(2**31), 2**31 - 1, False),
    FieldDescriptor.TYPE_SFIXED32: (-(2**31), 2**31 - 1, False),
    FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1, False),
    FieldDescriptor.TYPE_FIXED32: (0, 2**32 - 1, False),
    FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1, True),
    FieldDescriptor.TYPE_SINT64: (-(2**63), 2**63 - 1, True),
    FieldDescriptor.TYPE_SFIXED64: (-(2**63), 2**63 - 1, True),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1, True),
    FieldDescriptor.TYPE_FIXED64: (0, 2**64 - 1, True),
}


def json_kind(value: Any) -> str:
    """The JSON type name of a decoded value, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def wrong_type(expected: str, value: Any) -> WireDecodeError:
    """The error for a JSON value of the wrong type."""
    return WireDecodeError("", f"expected {expected}, got {json_kind(value)}")


def decode_string(value: Any, ctx: Any) -> str:
    """A JSON string; lone surrogates become U+FFFD as Go's decoder does."""
    if isinstance(value, str):
        return value if value.isascii() else valid_unicode(value)
    raise wrong_type("string", value)


def valid_unicode(text: str) -> str:
    """`text` with lone surrogates replaced by U+FFFD (protobuf strings are UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def decode_bool(value: Any, ctx: Any) -> bool:
    """A JSON boolean, nothing else."""
    if value is True or value is False:
        return value
    raise wrong_type("boolean", value)


def int_decoder(field_type: int) -> Decoder:
    """A decoder for one integer type: range-checked; 64-bit types also take digit strings."""
    low, high, strings = _INT_RANGES[field_type]

    def decode(value: Any, ctx: Any) -> int:
        if type(value) is int and low <= value <= high:
            return value
        number = _as_int(value, strings)
        if not low <= number <= high:
            raise WireDecodeError("", f"number {number} is out of range")
        return number

    return decode


def _as_int(value: Any, strings: bool) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if strings and isinstance(value, str) and INT_TEXT.fullmatch(value):
        return int(value)
    if isinstance(value, float):
        raise WireDecodeError("", f"number {value!r} is not an integer")
    raise wrong_type("integer", value)


def decode_double(value: Any, ctx: Any) -> float:
    """A finite JSON number."""
    if type(value) is float and math.isfinite(value):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if math.isfinite(number):
            return number
        raise WireDecodeError("", f"number {value!r} is out of range")
    raise wrong_type("number", value)


def decode_float(value: Any, ctx: Any) -> float:
    """A JSON number that fits a 32-bit float."""
    number = decode_double(value, ctx)
    if abs(number) > _FLOAT32_MAX:
        raise WireDecodeError("", f"number {value!r} is out of range")
    return number


def decode_bytes(value: Any, ctx: Any) -> bytes:
    """Standard base64 with padding (Go's `[]byte` JSON form)."""
    if not isinstance(value, str):
        raise wrong_type("base64 string", value)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise WireDecodeError("", "invalid base64 data") from None


def encode_bytes(value: bytes, keep: bool) -> str:
    """Bytes as standard base64."""
    return base64.b64encode(value).decode("ascii")


# RetryAction reads and writes short names ("Fail", "Retry"), as its Go type does
# (`pkg/api/deserialize.go`). Numbers outside an enum are passed on for the core to
# judge, as over gRPC, so both transports answer such a request alike.
_SHORT_NAME_PREFIX: Mapping[str, str] = {"api.RetryAction": "RETRY_ACTION_"}


def enum_decoder(enum: EnumDescriptor) -> Decoder:
    """An enum by number (any int32: proto3 enums are open) or by value name."""
    by_name = {v.name: v.number for v in enum.values}
    prefix = _SHORT_NAME_PREFIX.get(enum.full_name)
    as_int = int_decoder(FieldDescriptor.TYPE_INT32)

    def decode(value: Any, ctx: Any) -> int:
        if isinstance(value, str):
            number = by_name.get(value)
            if number is None and prefix is not None:
                number = by_name.get(prefix + value.upper())
            if number is None and prefix is not None:  # Go's words (`deserialize.go`)
                raise WireDecodeError("", f"no {enum.name} of name {shown(go_quote(value))}")
            if number is None:
                raise WireDecodeError("", f"unknown {enum.name} value {value!r}")
            return number
        return int(as_int(value, ctx))

    return decode


def enum_encoder(enum: EnumDescriptor) -> Encoder | None:
    """None (enums are numbers) except for RetryAction's short names ("Fail", "Retry")."""
    prefix = _SHORT_NAME_PREFIX.get(enum.full_name)
    if prefix is None:
        return None
    names = {v.number: v.name.removeprefix(prefix).capitalize() for v in enum.values}
    return lambda value, keep: names.get(value, value)


def scalar_decoder(field: FieldDescriptor) -> Decoder:
    """The decoder of a non-message field's single value."""
    kind = field.type
    if kind == FieldDescriptor.TYPE_STRING:
        return decode_string
    if kind == FieldDescriptor.TYPE_BOOL:
        return decode_bool
    if kind == FieldDescriptor.TYPE_DOUBLE:
        return decode_double
    if kind == FieldDescriptor.TYPE_FLOAT:
        return decode_float
    if kind == FieldDescriptor.TYPE_BYTES:
        return decode_bytes
    if kind == FieldDescriptor.TYPE_ENUM and field.enum_type is not None:
        return enum_decoder(field.enum_type)
    return int_decoder(kind)


def scalar_encoder(field: FieldDescriptor) -> Encoder | None:
    """The encoder of a non-message value; None when the Python value is the JSON value."""
    if field.type == FieldDescriptor.TYPE_ENUM and field.enum_type is not None:
        return enum_encoder(field.enum_type)
    return encode_bytes if field.type == FieldDescriptor.TYPE_BYTES else None


def zero_value(field: FieldDescriptor) -> Any:
    """What a JSON null inside a list or map stands for (Go: the zero value)."""
    kind = field.type
    if kind == FieldDescriptor.TYPE_STRING:
        return ""
    if kind == FieldDescriptor.TYPE_BYTES:
        return b""
    if kind == FieldDescriptor.TYPE_BOOL:
        return False
    if kind in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return 0.0
    return 0

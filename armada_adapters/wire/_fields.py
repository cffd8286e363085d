"""Encoders and decoders for one field: single value, list or map, scalar or message.

They run once per field value on the hot path. Lists and maps of ASCII strings,
the most common kind, are checked without decoding each item and passed on as they
are; other string-keyed maps take a loop that hands anything unusual (a null, a
key to re-spell) to the general one.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from armada_adapters.wire._k8s import QuantityCodec
from armada_adapters.wire._scalars import (
    INT_TEXT,
    Decoder,
    Encoder,
    decode_string,
    int_decoder,
    scalar_decoder,
    scalar_encoder,
    wrong_type,
    zero_value,
)
from armada_adapters.wire.errors import WireDecodeError
from armada_core.echo import shown

SINGLE, LIST, MAP = range(3)

_FLOATS = (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT)


def is_message(field: FieldDescriptor) -> bool:
    """Whether the field (or, for a map, its entry) is message-typed."""
    return field.type == FieldDescriptor.TYPE_MESSAGE


def is_float(field: FieldDescriptor) -> bool:
    """Whether the field holds a double or float."""
    return field.type in _FLOATS


def is_map(field: FieldDescriptor) -> bool:
    """Whether the field is a protobuf map."""
    entry = field.message_type
    return bool(field.is_repeated and entry is not None and entry.GetOptions().map_entry)


def _entry_fields(field: FieldDescriptor) -> tuple[FieldDescriptor, FieldDescriptor]:
    """The key and value fields of a map field's entry message."""
    entry = field.message_type
    if entry is None:
        raise TypeError(f"{field.full_name} is not a map")
    return entry.fields_by_name["key"], entry.fields_by_name["value"]


def container(field: FieldDescriptor) -> int:
    """SINGLE, LIST or MAP."""
    if is_map(field):
        return MAP
    return LIST if field.is_repeated else SINGLE


def go_name(name: str) -> str:
    """Go's generated field name for a proto name (`event` → `Event`)."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def value_message(field: FieldDescriptor) -> Descriptor | None:
    """The message type of the field's values (a map's value type for maps), if any."""
    if is_map(field):
        field = _entry_fields(field)[1]
    return field.message_type


def _single_encoder(field: FieldDescriptor, codec: Any) -> Encoder | None:
    return codec.encode if codec is not None else scalar_encoder(field)


def _single_decoder(field: FieldDescriptor, codec: Any) -> Decoder:
    return codec.decode if codec is not None else scalar_decoder(field)


# ---- encoders ---------------------------------------------------------------------------


def encoder(field: FieldDescriptor, codec: Any) -> Encoder | None:
    """The field's encoder; None when the upb value already is the JSON value.

    `codec` is the codec of `value_message(field)`, or None for scalar values.
    """
    if is_map(field):
        return _map_encoder(field, codec)
    element = _single_encoder(field, codec)
    if not field.is_repeated:
        return element
    if element is None:
        return lambda values, keep: list(values)
    return _list_encoder(element)


def _list_encoder(element: Encoder) -> Encoder:
    def encode(values: Any, keep: bool) -> list[Any]:
        out = []
        for value in values:  # (a plain loop beats map() and comprehensions here)
            out.append(element(value, keep))
        return out

    return encode


def _map_encoder(field: FieldDescriptor, codec: Any) -> Encoder:
    key, value = _entry_fields(field)
    encode = _single_encoder(value, codec)
    # Go sorts map keys by their JSON (string) form.
    if key.type == FieldDescriptor.TYPE_STRING:
        if encode is None:  # (upb maps' `items()` is the slow abc mixin)
            return lambda m, keep: {k: m[k] for k in sorted(m)}
        if isinstance(codec, QuantityCodec):
            return _quantity_map_encoder
        return _string_map_encoder(encode)
    if encode is None:
        return lambda m, keep: {str(k): m[k] for k in sorted(m, key=str)}
    return lambda m, keep: {str(k): encode(m[k], keep) for k in sorted(m, key=str)}


def _quantity_map_encoder(m: Any, keep: bool) -> dict[str, str]:
    # Resource lists are the most common maps: `QuantityCodec.encode`, inlined.
    out = {}
    for key in sorted(m):
        out[key] = str(m[key].string) or "0"
    return out


def _string_map_encoder(encode: Encoder) -> Encoder:
    def encode_map(m: Any, keep: bool) -> dict[str, Any]:
        out = {}
        for key in sorted(m):
            out[key] = encode(m[key], keep)
        return out

    return encode_map


# ---- decoders ---------------------------------------------------------------------------


def decoder(field: FieldDescriptor, codec: Any) -> Decoder:
    """The field's decoder: JSON value → what the upb constructor accepts."""
    if is_map(field):
        return _map_decoder(field, codec)
    element = _single_decoder(field, codec)
    if not field.is_repeated:
        return element
    zero = {} if codec is not None else zero_value(field)
    if element is decode_string:
        return _string_list_decoder(_list_decoder(element, zero))
    return _list_decoder(element, zero)


def _list_decoder(element: Decoder, zero: Any) -> Decoder:
    def decode(value: Any, ctx: Any) -> list[Any]:
        if not isinstance(value, list):
            raise wrong_type("array", value)
        out = []
        for item in value:
            if item is None:  # Go: null leaves the element at its zero value
                out.append(type(zero)() if isinstance(zero, dict) else zero)
                continue
            try:
                out.append(element(item, ctx))
            except WireDecodeError as error:
                raise error.within(f"[{len(out)}]") from None
        return out

    return decode


def _string_list_decoder(general: Decoder) -> Decoder:
    def decode(value: Any, ctx: Any) -> Any:
        if type(value) is list and _ascii_strings(value):
            return value  # only read by the message constructor
        return general(value, ctx)

    return decode


def _ascii_strings(values: list[Any]) -> bool:
    """Whether every item is an ASCII `str` (one C-level join; no per-item bytecode)."""
    try:
        return "".join(values).isascii()
    except TypeError:
        return False


def _map_decoder(field: FieldDescriptor, codec: Any) -> Decoder:
    value_field = _entry_fields(field)[1]
    decode_key = map_key_decoder(field)
    decode_value = _single_decoder(value_field, codec)
    if decode_key is None:
        raise TypeError(f"{field.full_name} is not a map")
    checked = _checked_map_decoder(decode_key, decode_value, codec is not None, value_field)
    if decode_key is not decode_string:
        return checked
    if decode_value is decode_string:
        return _string_map_decoder(checked)

    def decode(value: Any, ctx: Any) -> Any:
        if not isinstance(value, dict):
            raise wrong_type("object", value)
        out = {}
        for key, item in value.items():
            if item is None or type(key) is not str or not key.isascii():
                return checked(value, ctx)  # start again, the slow way
            try:
                out[key] = decode_value(item, ctx)
            except WireDecodeError as error:
                raise error.within(f"[{key}]") from None
        return out

    return decode


def _string_map_decoder(checked: Decoder) -> Decoder:
    def decode(value: Any, ctx: Any) -> Any:
        if type(value) is dict:
            for key, item in value.items():
                if type(key) is not str or type(item) is not str:
                    break
                if not (key.isascii() and item.isascii()):
                    break
            else:
                return value  # only read by the message constructor
        return checked(value, ctx)

    return decode


def _checked_map_decoder(
    decode_key: Decoder, decode_value: Decoder, is_msg: bool, value_field: FieldDescriptor
) -> Decoder:
    zero = zero_value(value_field)

    def checked(value: Any, ctx: Any) -> dict[Any, Any]:
        if not isinstance(value, dict):
            raise wrong_type("object", value)
        out = {}
        for key, item in value.items():
            try:
                k = decode_key(key, ctx)
                out[k] = ({} if is_msg else zero) if item is None else decode_value(item, ctx)
            except WireDecodeError as error:
                raise error.within(f"[{key}]") from None
        return out

    return checked


def map_key_decoder(field: FieldDescriptor) -> Decoder | None:
    """Decoder of a map field's JSON object keys (always strings in JSON); None if no map."""
    if not is_map(field):
        return None
    key = _entry_fields(field)[0]
    if key.type == FieldDescriptor.TYPE_STRING:
        return scalar_decoder(key)
    if key.type == FieldDescriptor.TYPE_BOOL:
        return _bool_key
    as_int = int_decoder(key.type)

    def decode(value: Any, ctx: Any) -> int:
        if isinstance(value, str) and INT_TEXT.fullmatch(value):
            return int(as_int(int(value), ctx))
        if isinstance(value, int) and not isinstance(value, bool):
            return int(as_int(value, ctx))
        raise WireDecodeError("", f"invalid integer map key {shown(repr(value))}")

    return decode


def _bool_key(value: Any, ctx: Any) -> bool:
    if value in ("true", "false"):
        return bool(value == "true")
    raise WireDecodeError("", f"invalid boolean map key {shown(repr(value))}")

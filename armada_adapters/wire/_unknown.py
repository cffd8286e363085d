"""The second pass of `from_json`: merge unknown protobuf fields back into the message.

`to_json(..., keep_unknown=True)` writes the wire bytes of fields our schema does
not know under `UNKNOWN_KEY` (and `UNKNOWN_KEY.<field>` for an inline struct's
own). The first pass only validates those keys; this pass, which runs only when
one was seen, walks the JSON and the built message side by side and merges them.
"""

from __future__ import annotations

import base64
from typing import Any

from google.protobuf.message import DecodeError, Message

from armada_adapters.wire import _fields
from armada_adapters.wire._encode import UNKNOWN_KEY
from armada_adapters.wire._plans import FieldPlan, MessagePlan
from armada_adapters.wire.errors import WireDecodeError

_INLINE_PREFIX = UNKNOWN_KEY + "."


def patch_unknown(plan: MessagePlan, message: Any, value: Any) -> None:
    """Merge every unknown-field key of `value` into the matching part of `message`."""
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        if key == UNKNOWN_KEY:
            _merge(message, item)
        elif isinstance(key, str) and key.startswith(_INLINE_PREFIX):
            embedded = key[len(_INLINE_PREFIX) :]
            if any(p.name == embedded for p in plan.inline):
                _merge(getattr(message, embedded), item)
        else:
            _patch_key(plan, message, key, item)


def _patch_key(plan: MessagePlan, message: Any, key: Any, item: Any) -> None:
    field = plan.lookup(key)
    if field is None:
        if isinstance(key, str) and key.casefold() in plan.wrappers:
            patch_unknown(plan, message, item)  # a oneof wrapper: its members are ours
    elif field.via is not None:
        inline = plan.field_named(field.via)
        if isinstance(inline.message, MessagePlan):
            patch_unknown(inline.message, getattr(message, field.via), {key: item})
    elif isinstance(field.message, MessagePlan) and item is not None:
        _patch_field(field, field.message, getattr(message, field.name), item)


def _patch_field(field: FieldPlan, sub: MessagePlan, target: Any, item: Any) -> None:
    if field.container == _fields.SINGLE:
        patch_unknown(sub, target, item)
    elif field.container == _fields.LIST and isinstance(item, list):
        for element, data in zip(target, item, strict=False):
            patch_unknown(sub, element, data)
    elif field.container == _fields.MAP and isinstance(item, dict) and field.map_key:
        for key, data in item.items():
            patch_unknown(sub, target[field.map_key(key, None)], data)


def _merge(message: Message, item: str) -> None:
    try:
        message.MergeFromString(base64.b64decode(item))
    except DecodeError:
        raise WireDecodeError(UNKNOWN_KEY, "invalid protobuf data") from None

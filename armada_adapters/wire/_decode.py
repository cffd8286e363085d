"""The compiled decoder of one message type: Go-JSON object → constructor arguments.

`message_decoder` returns a closure that looks each key of the object up in a table
of the fields a key can name exactly and that decode on their own: `(name, None)`
for strings outside a oneof (taken as they are when ASCII), `(name, decode)` for
the rest. Anything else (null, a key in another case, a oneof member or wrapper,
a field of an inline struct, an unknown key) takes the general path of the plan,
in the order the keys come, so the result is the same as if every key took it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from armada_adapters.wire._scalars import decode_string, wrong_type
from armada_adapters.wire.errors import WireDecodeError

if TYPE_CHECKING:
    from armada_adapters.wire._plans import DecodeContext, FieldPlan, MessagePlan

Routed = dict[str, dict[str, Any]]


def message_decoder(plan: MessagePlan) -> Callable[[Any, DecodeContext], dict[str, Any]]:
    """The decode function of `plan`'s message type."""
    fast = {
        key: (field.name, None if field.plain_string else field.decode)
        for key, field in plan.keys.items()
        if field.via is None and not field.siblings
    }
    get = fast.get
    general = _general_path(plan)
    inline = bool(plan.inline)

    def decode(value: Any, ctx: DecodeContext) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise wrong_type("object", value)
        kwargs: dict[str, Any] = {}
        routed: Routed | None = None
        for key, item in value.items():
            entry = get(key)
            if entry is None or item is None:
                routed = general(key, item, kwargs, routed, ctx)
                continue
            name, fn = entry
            if fn is None:
                if type(item) is str and item.isascii():
                    kwargs[name] = item  # most fields are plain strings: skip the call
                    continue
                fn = decode_string
            try:
                kwargs[name] = fn(item, ctx)
            except WireDecodeError as error:
                raise error.within(key) from None
        if inline:
            plan.decode_inline(kwargs, routed, ctx)
        return kwargs

    return decode


GeneralPath = Callable[[Any, Any, dict[str, Any], "Routed | None", Any], "Routed | None"]


def _general_path(plan: MessagePlan) -> GeneralPath:
    def general(
        key: Any, item: Any, kwargs: dict[str, Any], routed: Routed | None, ctx: Any
    ) -> Routed | None:
        field = plan.lookup(key)
        if field is None:
            plan.decode_extra(key, item, kwargs, ctx)
        elif field.via is not None:  # a field of an inline struct: decoded with it
            routed = routed if routed is not None else {}
            routed.setdefault(field.via, {})[key] = item
        else:
            set_field(field, key, item, kwargs, ctx)
        return routed

    return general


def set_field(field: FieldPlan, key: Any, item: Any, kwargs: dict[str, Any], ctx: Any) -> None:
    """Decode `item` into `kwargs` as `field` (null unsets; a oneof keeps one member)."""
    if item is None:  # null leaves the field unset
        kwargs.pop(field.name, None)
        return
    try:
        kwargs[field.name] = field.decode(item, ctx)
    except WireDecodeError as error:
        raise error.within(str(key)) from None
    for sibling in field.siblings:  # a oneof holds one member: the last one given
        kwargs.pop(sibling, None)

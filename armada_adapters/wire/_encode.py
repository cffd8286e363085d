"""The compiled encoder of one message type: upb message → Go-JSON dict.

Each field has an entry `(key, function)`, made once:

* `(key, None)`: the upb value is the JSON value (strings, numbers, bools);
* `(key, encode)`: the JSON value is `encode(value, keep)` (messages, lists, maps,
  bytes, RetryAction);
* `(None, write)`: `write(out, value, keep)` places it itself (omitempty floats,
  inline structs, oneof wrappers).

Reading a upb message is what costs (every value read builds a Python object), so
there are two shapes. Big messages, which are mostly sparse (PodSpec, Container),
walk `ListFields()`, which returns only the set fields, and look each descriptor up
in a table of entries. Small ones get a function generated from the descriptor, one
`if` per field in declaration order: `HasField` or a truth test, then the entry.
Both write Go's (declaration) order and the same keys and values.
"""

from __future__ import annotations

import base64
import keyword
from collections.abc import Callable
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from google.protobuf.message import Message
from google.protobuf.unknown_fields import UnknownFieldSet

if TYPE_CHECKING:
    from armada_adapters.wire._plans import FieldPlan, MessagePlan

# Proto fields a newer client sent that our schema lacks travel through the JSON
# dict under this key (base64 of their wire bytes), so they survive a round trip.
UNKNOWN_KEY = "$unknown"

# How a field's encoded value lands in the output object.
PLAIN, NONZERO, INLINE, WRAPPED = range(4)

# Messages whose `_probe_cost` is at most this are encoded by asking for each field
# (`HasField`, attribute reads) rather than by `ListFields()`; measured on pod specs
# and submit items, probing wins for small messages and loses for big sparse ones.
PROBE_LIMIT = 25

Entry = tuple[str | None, Callable[..., Any] | None]
Items = list[tuple[Any, Any]]


def message_encoder(plan: MessagePlan) -> Callable[[Any, bool], dict[str, Any]]:
    """The encode function of `plan`'s message type: probing if small, else listing."""
    if _probe_cost(plan) <= PROBE_LIMIT:
        return _probing_encoder(plan)
    return _listing_encoder(plan)


def _probe_cost(plan: MessagePlan) -> int:
    # Asking a upb message for a list or map builds a container object, so they weigh more.
    return sum(3 if field.is_repeated else 1 for field, _ in plan.fields)


def _listing_encoder(plan: MessagePlan) -> Callable[[Any, bool], dict[str, Any]]:
    table = {field: _entry(p) for field, p in plan.fields}
    in_go_order = _go_order([field for field, _ in plan.fields])

    def encode(message: Any, keep: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        items = message.ListFields()
        if in_go_order is not None and len(items) > 1:
            items = in_go_order(items)
        for field, value in items:
            key, fn = table[field]
            if fn is None:
                out[key] = value  # type: ignore[index]
            elif key is None:
                fn(out, value, keep)
            else:
                out[key] = fn(value, keep)
        if keep and len(UnknownFieldSet(message)):
            out[UNKNOWN_KEY] = _unknown_text(message)
        return out

    return encode


def _probing_encoder(plan: MessagePlan) -> Callable[[Any, bool], dict[str, Any]]:
    namespace: dict[str, Any] = {
        "UnknownFieldSet": UnknownFieldSet,
        "UNKNOWN_KEY": UNKNOWN_KEY,
        "unknown_text": _unknown_text,
    }
    lines = ["def encode(message, keep):", "    out = {}", "    has = message.HasField"]
    for i, (field, p) in enumerate(plan.fields):
        key, fn = _entry(p)
        namespace[f"key{i}"] = key
        namespace[f"fn{i}"] = fn
        lines += _probe_lines(field, p.name, i, key, fn)
    lines += [
        "    if keep and len(UnknownFieldSet(message)):",
        "        out[UNKNOWN_KEY] = unknown_text(message)",
        "    return out",
    ]
    exec("\n".join(lines), namespace)  # source made above, from the descriptors only
    encode: Callable[[Any, bool], dict[str, Any]] = namespace["encode"]
    return encode


def _probe_lines(field: Any, name: str, i: int, key: str | None, fn: Any) -> list[str]:
    """The source that writes the `i`th field if it is set (as `ListFields()` would list it)."""
    get = f"getattr(message, {name!r})" if keyword.iskeyword(name) else f"message.{name}"
    if field.has_presence:
        lines = [f"    if has({name!r}):", f"        value = {get}"]
    else:  # implicit presence (proto3 scalars), lists and maps: set when not empty
        lines = [f"    value = {get}", "    if value:"]
    if fn is None:
        return [*lines, f"        out[key{i}] = value"]
    if key is None:
        return [*lines, f"        fn{i}(out, value, keep)"]
    return [*lines, f"        out[key{i}] = fn{i}(value, keep)"]


def _entry(plan: FieldPlan) -> Entry:
    if plan.mode == PLAIN:
        return plan.key, plan.encode
    if plan.mode == NONZERO:
        return None, _nonzero_writer(plan.key)
    if plan.mode == INLINE:
        return None, _inline_writer(plan)
    return None, _wrapped_writer(plan)


def _go_order(fields: list[Any]) -> Callable[[Items], Items] | None:
    """Sorts `ListFields()` items (number order) into Go's struct (declaration) order.

    None when the two orders agree, which is the common case.
    """
    numbers = [f.number for f in fields]
    if numbers == sorted(numbers):
        return None
    rank = {field: i for i, field in enumerate(fields)}.__getitem__
    first = itemgetter(0)

    def reorder(items: Items) -> Items:
        ranks = list(map(rank, map(first, items)))
        if ranks == sorted(ranks):
            return items
        return [item for _, item in sorted(zip(ranks, items, strict=True), key=first)]

    return reorder


def _nonzero_writer(key: str) -> Callable[[dict[str, Any], Any, bool], None]:
    def write(out: dict[str, Any], value: Any, keep: bool) -> None:
        if value:  # proto3 keeps -0.0, Go's omitempty drops it
            out[key] = value

    return write


def _inline_writer(plan: FieldPlan) -> Callable[[dict[str, Any], Any, bool], None]:
    encode = _required(plan.encode)
    own_unknown = f"{UNKNOWN_KEY}.{plan.name}"

    def write(out: dict[str, Any], value: Any, keep: bool) -> None:
        fields = encode(value, keep)
        if keep and UNKNOWN_KEY in fields:  # keep it apart from the parent's own
            fields[own_unknown] = fields.pop(UNKNOWN_KEY)
        out.update(fields)

    return write


def _wrapped_writer(plan: FieldPlan) -> Callable[[dict[str, Any], Any, bool], None]:
    encode, wrapper, key = plan.encode, plan.wrapper, plan.key

    def write(out: dict[str, Any], value: Any, keep: bool) -> None:
        out.setdefault(wrapper, {})[key] = value if encode is None else encode(value, keep)

    return write


def _required(encode: Callable[[Any, bool], Any] | None) -> Callable[[Any, bool], Any]:
    if encode is None:
        raise TypeError("an inline field must be a message")
    return encode


def _unknown_text(message: Message) -> str:
    """Base64 of the message's unknown fields."""
    # Clearing every known field of a copy leaves exactly the unknown ones.
    copy = type(message)()
    copy.CopyFrom(message)
    for field, _ in copy.ListFields():
        copy.ClearField(field.name)
    return base64.b64encode(copy.SerializeToString()).decode("ascii")

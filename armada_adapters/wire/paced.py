"""`to_json` and `from_json` for big requests, in slices the event loop can interleave.

A request's bulk is one top-level list of messages (the jobs of a SubmitJobs, the
queues of a CreateQueues). Converting 10,000 jobs takes a few hundred milliseconds
of CPU in the loop thread that serves both protocols; these functions convert such
a list element by element through `armada_core.pacing.paced_map` and the rest of
the message as usual, with exactly the result (and the error) of the plain call.
Lists of at most `PACED_FROM` elements take the plain call. `release_paced` frees
such a request's JSON afterwards in slices too.
"""

from __future__ import annotations

from typing import Any, TypeVar

from google.protobuf.message import Message

from armada_adapters.wire import _fields
from armada_adapters.wire._plans import FieldPlan, MessagePlan, plan_for
from armada_adapters.wire.errors import WireDecodeError
from armada_adapters.wire.jsoncodec import from_json, to_json
from armada_adapters.wire.pool import message_class
from armada_core.pacing import paced_map, paced_release

M = TypeVar("M", bound=Message)

# Shorter lists are converted in one go: a slice of work is far longer than them.
PACED_FROM = 64


async def to_json_paced(message: Message, *, keep_unknown: bool = False) -> dict[str, Any]:
    """`to_json(message, keep_unknown=...)`, its long top-level lists converted paced."""
    plan = plan_for(message.DESCRIPTOR)
    fields = _message_lists(plan.built()) if isinstance(plan, MessagePlan) else []
    long = [f for f in fields if len(getattr(message, f.name)) > PACED_FROM]
    if not long:
        return to_json(message, keep_unknown=keep_unknown)
    head = type(message)()
    head.CopyFrom(message)
    for field in long:
        head.ClearField(field.name)
    out = to_json(head, keep_unknown=keep_unknown)
    for field in long:
        values = getattr(message, field.name)
        out[field.key] = await paced_map(
            lambda value: to_json(value, keep_unknown=keep_unknown), values
        )
    return out


async def from_json_paced(data: Any, cls: type[M]) -> M:
    """`from_json(data, cls)`, its long top-level lists of messages decoded paced.

    The other fields are decoded first, so when both they and a list hold errors the
    error reported may differ from the plain call's (both are INVALID_ARGUMENT).
    """
    plan = plan_for(cls.DESCRIPTOR)
    if not isinstance(data, dict) or not isinstance(plan, MessagePlan):
        return from_json(data, cls)
    drop, lists = _long_lists(plan.built(), data)
    if not lists:
        return from_json(data, cls)
    head = from_json({k: v for k, v in data.items() if k not in drop}, cls)
    for key, name in lists.items():
        element = message_class(_element_type(plan, name))
        getattr(head, name).extend(await _decode_list(data[key], key, element))
    return head


async def release_paced(data: Any) -> None:
    """Empty the long top-level lists of a request's JSON, freeing them in slices.

    Call it once nothing else refers to the elements (the call is over): freeing
    10,000 jobs' JSON in one piece holds the loop for tens of milliseconds.
    """
    if not isinstance(data, dict):
        return
    for value in data.values():
        if isinstance(value, list) and len(value) > PACED_FROM:
            await paced_release(value)


def _message_lists(plan: MessagePlan) -> list[FieldPlan]:
    """The plan's own (not inline, not oneof) fields holding a list of messages."""
    return [f for _, f in plan.fields if _is_message_list(f)]


def _is_message_list(field: FieldPlan) -> bool:
    return (
        field.via is None
        and not field.siblings
        and field.container == _fields.LIST
        and isinstance(field.message, MessagePlan)
    )


def _element_type(plan: MessagePlan, name: str) -> str:
    element = plan.field_named(name).message
    assert isinstance(element, MessagePlan)  # _long_lists takes only such fields
    return str(element.descriptor.full_name)


def _long_lists(plan: MessagePlan, data: dict[Any, Any]) -> tuple[set[Any], dict[Any, str]]:
    """The keys to leave out of the head, and key → field name of the lists to decode.

    A field may be named by several keys (case-insensitively); as in the plain
    decoder the last one wins, and the others are left out with it.
    """
    keys_of: dict[str, list[Any]] = {}
    for key in data:
        field = plan.lookup(key)
        if field is not None and _is_message_list(field):
            keys_of.setdefault(field.name, []).append(key)
    drop: set[Any] = set()
    lists: dict[Any, str] = {}
    for name, keys in keys_of.items():
        last = keys[-1]
        if isinstance(data[last], list) and len(data[last]) > PACED_FROM:
            drop.update(keys)
            lists[last] = name
    return drop, lists


async def _decode_list(values: list[Any], key: Any, element: type[Message]) -> list[Message]:
    def decode(entry: tuple[int, Any]) -> Message:
        index, value = entry
        if value is None:  # Go: null leaves the element at its zero value
            return element()
        try:
            return from_json(value, element)
        except WireDecodeError as error:
            raise error.within(f"[{index}]").within(str(key)) from None

    return await paced_map(decode, enumerate(values))

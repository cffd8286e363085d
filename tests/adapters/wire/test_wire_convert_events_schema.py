"""Every event kind's dict fits the schema, though no run-time check decodes it any more.

`event_stream_message` writes plain scalar fields itself and sends anything else
through `from_json` + `to_json`. Property: for any fields (right or wrong types,
unknown names, names in other spellings), its answer is exactly what the schema
round trip gives, or the same ValueError.
"""

from __future__ import annotations

from typing import Any

import pytest
from google.protobuf.descriptor import FieldDescriptor
from hypothesis import given, settings
from hypothesis import strategies as st
from wire_helpers import assert_valid

from armada_adapters.wire.convert import events
from armada_adapters.wire.convert.common import timestamp
from armada_adapters.wire.errors import WireDecodeError
from armada_adapters.wire.jsoncodec import from_json, to_json
from armada_adapters.wire.pool import message_class
from armada_core.events import Event, EventId, EventKind, StoredEvent

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**65), max_value=2**65),
    st.sampled_from([0, 1, -1, 2**31 - 1, 2**31, -(2**31), 2**53, 2**53 + 1, 2**64]),
    st.floats(),
    st.sampled_from([0.0, -0.0, 1.5, float("inf")]),
    st.text(max_size=4),
    st.sampled_from(["", "a", "é", "\ud800"]),
    st.just({"cpu": "1"}),
    st.just([{"name": "c"}]),
)


def _message(kind: EventKind) -> Any:
    field = message_class("api.EventMessage").DESCRIPTOR.fields_by_name[kind.value]
    return message_class(field.message_type.full_name)


def _names(kind: EventKind) -> list[str]:
    fields = _message(kind).DESCRIPTOR.fields
    return [n for f in fields for n in (f.name, f.json_name, f.name.upper())] + ["unknown"]


def _clean(field: FieldDescriptor) -> st.SearchStrategy[Any]:
    """Values of the field's own type, zero and edge values included."""
    kind = field.type
    if kind == FieldDescriptor.TYPE_STRING:
        return st.sampled_from(["", "a", "é"]) | st.text(max_size=3)
    if kind == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if kind == FieldDescriptor.TYPE_DOUBLE:
        return st.sampled_from([0.0, -0.0, 2.5, 0, 3, 2**53]) | st.floats()
    return st.sampled_from([0, 1, -1, 2**31 - 1, 2**31]) | st.integers()


def _fields(kind: EventKind) -> st.SearchStrategy[dict[str, Any]]:
    """Mostly the kind's fields by proto name with values of their type; sometimes not."""
    own = _message(kind).DESCRIPTOR.fields[4:]
    typed = st.fixed_dictionaries({}, optional={f.name: _clean(f) | VALUES for f in own})
    other = st.dictionaries(st.sampled_from(_names(kind)), VALUES, max_size=2)
    return st.builds(lambda a, b: {**a, **b}, typed, st.just({}) | other)


def _reference(stored: StoredEvent) -> dict[str, Any]:
    """The body the way the adapter used to make every one: through the schema."""
    event = stored.event
    common = {
        "job_id": event.job_id,
        "job_set_id": stored.job_set_id,
        "queue": stored.queue,
        "created": timestamp(event.created_ns),
    }
    return to_json(from_json({**common, **event.fields}, _message(event.kind)))


@pytest.mark.parametrize("kind", [k for k in EventKind if k is not EventKind.SUBMITTED])
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_event_bodies_are_what_the_schema_gives(kind: EventKind, data: st.DataObject) -> None:
    fields = data.draw(_fields(kind))
    job_id = data.draw(st.sampled_from(["", "01hxyz", "é", "\udc80"]))
    at_ns = data.draw(st.sampled_from([0, 1, 1_712_345_678_901_000_000]))
    stored = StoredEvent(
        EventId(1, 0, 0, True),
        "q",
        data.draw(st.sampled_from(["", "s"])),
        Event(kind, job_id, at_ns, fields),
    )
    try:
        expected = _reference(stored)
    except WireDecodeError:
        with pytest.raises(ValueError, match="event fields do not fit"):
            events.event_stream_message(stored)
        return
    out = events.event_stream_message(stored)
    body = out["message"][events.case_key(kind)]
    assert list(body.items()) == list(expected.items())  # same keys, values and order
    assert_valid(out, "api.EventStreamMessage")


@pytest.mark.parametrize("kind", list(EventKind))
def test_every_kind_without_fields_fits_the_schema(kind: EventKind) -> None:
    stored = StoredEvent(EventId(1, 0, 0, True), "q", "s", Event(kind, "j", 5, {}))
    out = events.event_stream_message(stored)
    assert out["message"] == {events.case_key(kind): _reference(stored)}
    assert_valid(out, "api.EventStreamMessage")

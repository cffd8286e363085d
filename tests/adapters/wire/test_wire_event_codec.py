"""`ProtobufEvents`: events as their `api.EventMessage` bytes, exactly or not at all.

Properties: an event of any kind with plain fields (and a `submitted` event with its
job) comes back equal from its bytes; for any event at all, the bytes, when there
are any, give it back; and the gRPC reply joined from stored bytes (and a stored pod
spec) is the message the builder makes for the same event.
"""

from __future__ import annotations

from typing import Any

import pytest
from event_strategies import client_pods, jobs, stored_bytes_twins, stored_events
from google.protobuf.descriptor import FieldDescriptor
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from armada_adapters.wire.convert import events
from armada_adapters.wire.event_codec import ProtobufEvents, from_config
from armada_adapters.wire.jsoncodec import from_json
from armada_adapters.wire.pod_spec import UpbPodSpec
from armada_adapters.wire.pool import message_class
from armada_core.events import Event, EventId, EventKind, StoredEvent
from armada_core.jobs import Job, ResourceRequirements

CODEC = ProtobufEvents()
ESM = message_class("api.EventStreamMessage")
POD_SPEC = message_class("k8s.io.api.core.v1.PodSpec")
ASCII = st.text(st.characters(max_codepoint=127), min_size=1, max_size=6)
NOT_ZERO = {
    FieldDescriptor.TYPE_STRING: ASCII,
    FieldDescriptor.TYPE_BOOL: st.just(True),
    FieldDescriptor.TYPE_DOUBLE: st.floats(allow_nan=False, allow_infinity=False).filter(bool),
    **{t: st.integers(low, high).filter(bool) for t, (low, high) in events._INT_RANGES.items()},
}
SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _plain(kind: EventKind) -> dict[str, st.SearchStrategy[Any]]:
    """The kind's own plain scalar fields by proto name, with non-zero values."""
    case = message_class("api.EventMessage").DESCRIPTOR.fields_by_name[kind.value]
    out = {}
    for field in case.message_type.fields[4:]:
        retry_action = field.enum_type is not None and field.enum_type.name == "RetryAction"
        if field.type in NOT_ZERO and not (field.is_repeated or field.has_presence or retry_action):
            out[field.name] = NOT_ZERO[field.type]
    return out


def _plain_job(job_id: str, created_ns: int) -> Job:
    pod = {"containers": [{"name": "main", "image": "busybox"}]}
    spec = UpbPodSpec(data=from_json(pod, POD_SPEC).SerializeToString())
    requirements = ResourceRequirements({"cpu": "1"}, {"memory": "1Gi"})
    return Job(job_id, "q", "s", "ns", "me", ("g",), 3, created_ns, spec, labels={"a": "b"},
               scheduling_resource_requirements=requirements)  # fmt: skip


@st.composite
def plain_events(draw: st.DrawFn) -> tuple[Event, str, str, bool]:
    """An event with plain fields, its queue and job set, and whether it must encode
    (not when its job is one `jobs` drew: text or amounts not written as they are)."""
    kind = draw(st.sampled_from(list(EventKind)))
    job_id = draw(ASCII | st.just(""))
    created_ns = draw(st.integers(-(2**63) * 10**9, (2**63 - 1) * 10**9) | st.just(0))
    fields = draw(st.fixed_dictionaries({}, optional=_plain(kind)))
    job, must = None, True
    if kind is EventKind.SUBMITTED:
        job = draw(st.none() | st.just(_plain_job(job_id, created_ns)))
        if draw(st.booleans()):
            job, must = draw(jobs(client_pods())), False
    event = Event(kind, job_id, created_ns, fields, job=job)
    return event, draw(ASCII), draw(ASCII | st.just("")), must


@SETTINGS
@given(plain=plain_events())
def test_a_plain_event_comes_back_from_its_bytes(plain: tuple[Event, str, str, bool]) -> None:
    event, queue, job_set_id, must = plain
    data = CODEC.encode(event, queue, job_set_id)
    assume(must or data is not None)
    assert data is not None
    assert CODEC.decode(data, event.job) == event


@SETTINGS
@given(stored=stored_events())
def test_any_event_with_bytes_comes_back_from_them(stored: StoredEvent) -> None:
    event = stored.event
    data = CODEC.encode(event, stored.queue, stored.job_set_id)
    assume(data is not None)
    assert data is not None
    assert CODEC.decode(data, event.job) == event


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        (EventKind.FAILED, {"reason": ""}),  # zero: not written
        (EventKind.FAILED, {"pod_number": 0}),
        (EventKind.FAILED, {"retryable": False}),
        (EventKind.FAILED, {"reason": "é"}),  # not ASCII
        (EventKind.FAILED, {"reason": {"nested": "x"}}),
        (EventKind.FAILED, {"pod_number": 2**31}),  # beyond int32
        (EventKind.FAILED, {"unknown": "x"}),
        (EventKind.FAILED, {"jobId": "x"}),  # a common field, by another name
        (EventKind.REPRIORITIZED, {"new_priority": 2}),  # an int: it would come back a float
        (EventKind.REPRIORITIZED, {"new_priority": float("inf")}),
    ],
)
def test_fields_that_would_not_come_back_are_not_encoded(
    kind: EventKind, fields: dict[str, Any]
) -> None:
    assert CODEC.encode(Event(kind, "j", 5, fields), "q", "s") is None


def test_other_events_that_would_not_come_back_are_not_encoded() -> None:
    job = _plain_job("j", 5)
    assert CODEC.encode(Event(EventKind.QUEUED, "j", 5, job=job), "q", "s") is None
    assert CODEC.encode(Event(EventKind.QUEUED, "é", 5), "q", "s") is None
    assert CODEC.encode(Event(EventKind.QUEUED, "j", 5), "é", "s") is None
    assert CODEC.encode(Event(EventKind.QUEUED, "j", 2**63 * 10**9), "q", "s") is None
    assert CODEC.encode(Event(EventKind.QUEUED, "j", 5.0), "q", "s") is None  # type: ignore[arg-type]
    bad_amount = ResourceRequirements({"cpu": 1}, {})  # type: ignore[dict-item]
    odd_job = Job("j", "q", "s", "ns", "me", (), 1, 5, job.spec,
                  scheduling_resource_requirements=bad_amount)  # fmt: skip
    assert CODEC.encode(Event(EventKind.SUBMITTED, "j", 5, job=odd_job), "q", "s") is None


def test_a_submitted_events_bytes_hold_its_job_without_the_pod_spec() -> None:
    job = _plain_job("j", 5)
    data = CODEC.encode(Event(EventKind.SUBMITTED, "j", 5, job=job), "q", "s")
    assert data is not None
    written = message_class("api.EventMessage").FromString(data).submitted.job
    assert (written.id, written.namespace, dict(written.labels)) == ("j", "ns", {"a": "b"})
    assert not written.HasField("pod_spec")


def _from_bytes(stored: StoredEvent, data: bytes, pod_spec: bytes | None) -> StoredEvent:
    job = stored.event.job
    return StoredEvent(
        stored.id,
        stored.queue,
        stored.job_set_id,
        encoded=data,
        pod_spec=pod_spec,
        decode=lambda: CODEC.decode(data, job),
    )


def _message(data: bytes) -> bytes:
    return bytes(ESM.FromString(data).SerializeToString(deterministic=True))


@SETTINGS
@given(stored=stored_events())
def test_replies_from_stored_bytes_are_the_builders_messages(stored: StoredEvent) -> None:
    event, pod_spec = stored.event, None
    if event.job is not None:
        twins = stored_bytes_twins(event.job)
        assume(twins is not None)
        assert twins is not None
        event = Event(event.kind, event.job_id, event.created_ns, event.fields, job=twins[0])
        pod_spec = twins[0].spec.encoded()
        stored = StoredEvent(stored.id, stored.queue, stored.job_set_id, event)
    data = CODEC.encode(event, stored.queue, stored.job_set_id)
    assume(data is not None)
    assert data is not None
    reply = events.event_stream_bytes(_from_bytes(stored, data, pod_spec))
    assert _message(reply) == _message(events.event_stream_bytes(stored))


def test_a_submitted_reply_carries_the_stored_pod_spec_as_it_is() -> None:
    pod = {
        "containers": [{"name": "main", "image": "busybox", "resources": {"limits": {"cpu": "1"}}}],
        "priorityClassName": "armada-default",
        "tolerations": [{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}],
    }
    pod_spec = from_json(pod, POD_SPEC).SerializeToString() + b"\xf8\xf0\x04\x05"  # + unknown
    job = _plain_job("j", 5)
    job = Job(job.id, "q", "s", "ns", "me", ("g",), 3, 5, UpbPodSpec(data=pod_spec))
    stored = StoredEvent(
        EventId(7, 1, 0, True), "q", "s", Event(EventKind.SUBMITTED, "j", 5, job=job)
    )
    data = CODEC.encode(stored.event, "q", "s")
    assert data is not None
    reply = ESM.FromString(events.event_stream_bytes(_from_bytes(stored, data, pod_spec)))
    assert reply == ESM.FromString(events.event_stream_bytes(stored))
    assert reply.id == "7:1:0:1"
    assert reply.message.submitted.job.pod_spec.SerializeToString() == pod_spec
    assert reply.message.submitted.job.pod_spec.priorityClassName == "armada-default"


def test_an_empty_stored_pod_spec_is_still_set() -> None:
    job = Job("j", "q", "s", "ns", "me", (), 1, 5, UpbPodSpec(data=b""))
    stored = StoredEvent(
        EventId(1, 0, 0, True), "q", "s", Event(EventKind.SUBMITTED, "j", 5, job=job)
    )
    data = CODEC.encode(stored.event, "q", "s")
    assert data is not None
    reply = ESM.FromString(events.event_stream_bytes(_from_bytes(stored, data, b"")))
    assert reply.message.submitted.job.HasField("pod_spec")
    assert reply == ESM.FromString(events.event_stream_bytes(stored))


def test_from_config_gives_the_codec() -> None:
    assert isinstance(from_config({}), ProtobufEvents)


@SETTINGS
@given(
    st.lists(
        st.tuples(
            plain_events(),
            st.sampled_from(["j", "", "01jabcdefghijklmnopqrstuvw"]),
            st.sampled_from([0, 1, 999_999_999, 1_764_000_000_123_456_789]),
            st.sampled_from([("q", "s"), ("q", "t"), ("r", "s")]),
        ),
        max_size=12,
    )
)
def test_events_on_a_kept_message_are_written_as_a_new_message_would_be(sequence) -> None:
    """The message kept per kind (`_kept_message`) gives, in any order of kinds, job
    sets, ids, times and own fields, the bytes a new message gives."""
    for (plain, _, _, _), job_id, created_ns, (queue, job_set_id) in sequence:
        event = Event(plain.kind, job_id, created_ns, plain.fields)
        layout = events._layout(event.kind)
        own = events._plain_fields(layout, queue, job_set_id, event) if layout.fast else None
        assume(own is not None)
        fresh = message_class("api.EventMessage")()
        events._plain_into(fresh, event, queue, job_set_id, own)
        assert CODEC.encode(event, queue, job_set_id) == fresh.SerializeToString()


def test_a_refused_time_leaves_the_kept_message_as_good_as_new() -> None:
    CODEC.encode(Event(EventKind.QUEUED, "a", 5), "q", "s")
    assert CODEC.encode(Event(EventKind.QUEUED, "b", 2**100), "q", "s") is None
    fresh = message_class("api.EventMessage")()
    events._plain_into(fresh, Event(EventKind.QUEUED, "c", 7), "q", "s", [])
    assert CODEC.encode(Event(EventKind.QUEUED, "c", 7), "q", "s") == fresh.SerializeToString()

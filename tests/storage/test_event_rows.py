"""An `events` row keeps each event as its codec's bytes, or as JSON where the codec
declines it, and reads back the events written, in order, with their jobs."""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from armada_core.events import Event, EventId, EventKind
from armada_core.jobs import Job
from armada_core.kube_pod import KubePodSpec
from armada_core.ports import PodSpec
from armada_storage import _codec, _event_rows

text = st.text(max_size=8)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=12,
)
jobs = st.builds(
    Job,
    id=text, queue=text, job_set_id=text, namespace=text, owner=text,
    groups=st.lists(text, max_size=2).map(tuple), priority=st.integers(0, 9),
    created_ns=st.integers(0, 2**62), spec=st.builds(KubePodSpec, st.dictionaries(text, text)),
)  # fmt: skip
events = st.builds(
    Event,
    kind=st.sampled_from(EventKind),
    job_id=text,
    created_ns=st.integers(0, 2**63),
    fields=st.dictionaries(text, json_values, max_size=3),
    job=st.none() | jobs,
).map(lambda e: e if e.job is None else Event(e.kind, e.job.id, e.created_ns, e.fields, e.job))


class PickledEvents:
    """An event codec of the test's own: it keeps events with at most one field (a
    submitted one without its job), and declines the rest."""

    def encode(self, event: Event, queue: str, job_set_id: str) -> bytes | None:
        if len(event.fields) > 1 or (event.job and event.kind is not EventKind.SUBMITTED):
            return None
        return b"P" + pickle.dumps((event.kind, event.job_id, event.created_ns, event.fields))

    def decode(self, data: bytes, job: Job | None) -> Event:
        kind, job_id, created_ns, fields = pickle.loads(data[1:])
        return Event(kind, job_id, created_ns, fields, job)


class ReprPodSpecs:
    def encode(self, spec: PodSpec) -> bytes:
        return json.dumps(spec.kube()).encode()

    def decode(self, data: bytes) -> PodSpec:
        return KubePodSpec(json.loads(data))


CODEC, POD_SPECS = PickledEvents(), ReprPodSpecs()


def _read(data: bytes, jobs: dict[str, Job], count: int) -> list[Any]:
    """The stored events of one final row of `count` events, its jobs from `jobs`."""
    items = _event_rows.row_items(data)
    found = _event_rows.events_after(5, 0, 0, count, True, items, (-1, -1, -1))
    specs = {
        job_id: (_codec.job_to_json(jobs[job_id]), POD_SPECS.encode(jobs[job_id].spec))
        for job_id in _event_rows.stored_job_ids(found)
        if job_id in jobs
    }
    return _event_rows.stored_events(found, "q", "s", specs, POD_SPECS, CODEC)


@given(st.lists(events, max_size=5), st.booleans())
def test_events_read_back_as_written_whether_kept_as_bytes_or_json(sent, stored) -> None:
    jobs = {e.job.id: e.job for e in sent if e.job is not None}
    assume(len(jobs) == sum(e.job is not None for e in sent))  # one job per id, as stored
    data = _event_rows.events_row(sent, lambda job: stored, CODEC, "q", "s")
    read = _read(data, jobs if stored else {}, len(sent))
    assert [r.id for r in read] == [EventId(5, 0, k, k == len(sent) - 1) for k in range(len(sent))]
    for event, back in zip(sent, read, strict=True):
        kept = CODEC.encode(event, "q", "s")
        if event.job is not None and not stored:
            kept = None  # a job not in the jobs table goes with its event, as JSON
        assert back.encoded == kept
        if kept is not None and event.job is not None:
            assert back.pod_spec == POD_SPECS.encode(jobs[event.job.id].spec)
        else:
            assert back.pod_spec is None
        assert back.event == Event(
            event.kind, event.job_id, event.created_ns, event.fields,
            None if event.job is None else jobs[event.job.id],
        )  # fmt: skip


def test_an_event_kept_as_bytes_is_decoded_only_when_asked_for() -> None:
    calls: list[bytes] = []

    class Counting(PickledEvents):
        def decode(self, data: bytes, job: Job | None) -> Event:
            calls.append(data)
            return super().decode(data, job)

    data = _event_rows.events_row(
        [Event(EventKind.QUEUED, "j", 1)], lambda _: True, CODEC, "q", "s"
    )
    found = _event_rows.events_after(5, 0, 0, 1, True, _event_rows.row_items(data), (-1, -1, -1))
    [read] = _event_rows.stored_events(found, "q", "s", {}, POD_SPECS, Counting())
    assert read.encoded is not None and calls == []
    assert read.event == Event(EventKind.QUEUED, "j", 1) and read.event is read.event
    assert len(calls) == 1


def test_a_row_before_migration_10_is_its_json_list() -> None:
    old = json.dumps([["queued", "j", 7], ["cancelled", "j", 8, {"reason": "r"}]]).encode()
    read = _read(old, {}, 2)
    assert [r.event for r in read] == [
        Event(EventKind.QUEUED, "j", 7),
        Event(EventKind.CANCELLED, "j", 8, {"reason": "r"}),
    ]
    assert [r.encoded for r in read] == [None, None]


@pytest.mark.parametrize(
    "value",
    [2**64, -(2**63) - 1, float("inf"), float("-inf"), None, {"nested": [1, None]}, "\ud800"],
)
def test_values_orjson_cannot_keep_are_written_exactly(value) -> None:
    event = Event(EventKind.FAILED, "j", 0, {"a": value, "b": 1})  # two fields: JSON
    [read] = _read(_event_rows.events_row([event], lambda _: False, CODEC, "q", "s"), {}, 1)
    assert read.encoded is None
    assert read.event == event or (value != value)  # NaN-free values compare equal


def test_a_record_of_unknown_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown type"):
        _event_rows.row_items(b"X\x00\x00\x00\x01x")

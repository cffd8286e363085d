"""`event_stream_bytes` builds event messages without the dict: the same messages.

A `submitted` event whose pod spec has its stored bytes (`UpbPodSpec`) is sent with
those bytes parsed in: the same message the dict path sent for that pod spec.

Property: for any stored event (every kind, fields right or wrong, `submitted` events
with their job and pod spec: random schema-shaped pod specs, and Kubernetes JSON as
clients write it, with non-canonical quantities, GPUs, init containers, no priority
class or grace period, `{JobId}` templates, keys in other spellings, nulls and
unknown protobuf fields), the bytes are those of `from_json(event_stream_message(e))`,
the message the dict path sends; or both paths fail alike.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from event_strategies import stored_bytes_twins, stored_events
from hypothesis import HealthCheck, assume, given, settings

from armada_adapters.wire.convert import events
from armada_adapters.wire.jsoncodec import from_json
from armada_adapters.wire.pod_spec import UpbPodSpec
from armada_adapters.wire.pool import message_class
from armada_core.events import Event, EventId, EventKind, StoredEvent
from armada_core.jobs import Job

ESM = message_class("api.EventStreamMessage")
POD_SPEC = message_class("k8s.io.api.core.v1.PodSpec")


def _outcome(action: Any) -> Any:
    try:
        return ESM.FromString(action()).SerializeToString(deterministic=True)
    except Exception as error:  # the very same failure is expected either way
        return type(error), str(error)


def _dict_path(stored: StoredEvent) -> bytes:
    return bytes(from_json(events.event_stream_message(stored), ESM).SerializeToString())


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(stored=stored_events())
def test_event_bytes_are_the_dict_paths_message(stored: StoredEvent) -> None:
    assert _outcome(lambda: events.event_stream_bytes(stored)) == _outcome(
        lambda: _dict_path(stored)
    )


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(stored=stored_events())
def test_submitted_bytes_from_stored_pod_specs_are_the_dict_paths(stored: StoredEvent) -> None:
    job = stored.event.job
    twins = stored_bytes_twins(job) if job is not None else None
    assume(twins is not None)
    assert twins is not None
    upb, kube = (
        StoredEvent(
            stored.id,
            stored.queue,
            stored.job_set_id,
            dataclasses.replace(stored.event, job=twin),
        )
        for twin in twins
    )
    assert _outcome(lambda: events.event_stream_bytes(upb)) == _outcome(lambda: _dict_path(kube))


def _refuse(*_: Any) -> Any:
    raise AssertionError("the dict (or schema) way was taken")


@pytest.mark.parametrize("kind", list(EventKind))
def test_plain_events_skip_the_schema(kind: EventKind, monkeypatch: pytest.MonkeyPatch) -> None:
    stored = StoredEvent(EventId(1, 0, 0, True), "q", "s", Event(kind, "j", 5, {}))
    expected = _dict_path(stored)
    monkeypatch.setattr(events, "_checked_body", _refuse)
    assert events.event_stream_bytes(stored) == expected


def test_a_stored_pod_spec_is_parsed_in_without_any_dict(monkeypatch: pytest.MonkeyPatch) -> None:
    pod = {"containers": [{"name": "main", "image": "busybox"}], "priorityClassName": "p"}
    spec = UpbPodSpec(data=from_json(pod, POD_SPEC).SerializeToString())
    job = Job("j", "q", "s", "ns", "me", ("g",), 1, 5, spec, labels={"a": "b"})
    stored = StoredEvent(
        EventId(1, 0, 0, True), "q", "s", Event(EventKind.SUBMITTED, "j", 5, {}, job=job)
    )
    expected = _dict_path(stored)
    for name in ("job_json", "from_json", "_checked_body", "event_stream_message"):
        monkeypatch.setattr(events, name, _refuse)
    monkeypatch.setattr(UpbPodSpec, "kube", _refuse)
    assert ESM.FromString(events.event_stream_bytes(stored)) == ESM.FromString(expected)

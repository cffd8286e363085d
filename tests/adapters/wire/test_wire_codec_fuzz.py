"""Fuzz-ish: any JSON value into `from_json` yields a message or a WireDecodeError.

Also checks that our decoders, not upb's constructor, catch every bad value (the
constructor's refusal is only a safety net, reported as a bare "invalid value").
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wire_strategies import MessageStrategies

from armada_adapters.wire.errors import WireDecodeError
from armada_adapters.wire.jsoncodec import from_json, to_json
from armada_adapters.wire.pool import message_class

TARGETS = [
    "api.JobSubmitRequest",
    "api.Queue",
    "api.EventStreamMessage",
    "api.StreamingQueueMessage",
    "api.JobSetCancelRequest",
    "api.JobDetailsResponse",
    "k8s.io.api.core.v1.PodSpec",
    "k8s.io.api.core.v1.Service",
]

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.text(max_size=8),
    st.sampled_from(["RUNNING", "1Gi", "200m", "8080", "2024-01-02T03:04:05Z", "AP9hYg==", ""]),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
STRATEGIES = MessageStrategies()


def _decode(data: Any, name: str) -> None:
    try:
        from_json(data, message_class(name))
    except WireDecodeError as error:
        assert error.message != "invalid value", error  # a decoder let a bad value through


@pytest.mark.parametrize("name", TARGETS)
@settings(max_examples=150, deadline=None)
@given(data=JSON)
def test_arbitrary_json_only_raises_wire_decode_error(name: str, data: Any) -> None:
    _decode(data, name)


def _field_names(name: str) -> list[str]:
    return sorted({f.json_name for f in message_class(name).DESCRIPTOR.fields})


@pytest.mark.parametrize("name", TARGETS)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_arbitrary_values_under_real_keys(name: str, data: st.DataObject) -> None:
    keys = st.sampled_from(_field_names(name))
    _decode(data.draw(st.dictionaries(keys, JSON, max_size=4)), name)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths(item, (*prefix, i))
    return found


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = json.loads(json.dumps(value))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return copy


@pytest.mark.parametrize("name", ["api.JobSubmitRequest", "api.EventStreamMessage"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_valid_documents(name: str, data: st.DataObject) -> None:
    cls = message_class(name)
    valid = to_json(cls(**data.draw(STRATEGIES.kwargs(cls.DESCRIPTOR))))
    path = data.draw(st.sampled_from(_paths(valid)))
    _decode(_replace(valid, path, data.draw(JSON)), name)

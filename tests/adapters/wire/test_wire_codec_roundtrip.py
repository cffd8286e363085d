"""Property: for every message reachable from the api services, `from_json(to_json(m)) == m`.

Messages are random but Go-shaped (see `wire_strategies`): what Go's decoder
would normalise (a -0.0, a quantity that does not parse) is not generated.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wire_strategies import MessageStrategies, reachable_messages

from armada_adapters.wire.jsoncodec import from_json, to_json
from armada_adapters.wire.pool import message_class

MESSAGES = reachable_messages()
STRATEGIES = MessageStrategies()


def test_the_walk_reaches_the_whole_schema() -> None:
    names = {d.full_name for d in MESSAGES}
    assert {"api.JobSubmitRequest", "api.EventStreamMessage", "api.JobDetailsResponse"} <= names
    assert {"k8s.io.api.core.v1.PodSpec", "k8s.io.api.networking.v1.Ingress"} <= names
    assert len(names) > 200


@pytest.mark.parametrize("name", [d.full_name for d in MESSAGES])
def test_round_trip(name: str) -> None:
    cls = message_class(name)

    @settings(
        max_examples=20,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(STRATEGIES.kwargs(cls.DESCRIPTOR))
    def check(kwargs: dict[str, object]) -> None:
        message = cls(**kwargs)
        data = to_json(message)
        json.dumps(data, allow_nan=False)  # plain JSON values only
        assert from_json(data, cls) == message

    check()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_round_trip_through_json_text(data: st.DataObject) -> None:
    cls = message_class("api.EventStreamMessage")
    message = cls(**data.draw(STRATEGIES.kwargs(cls.DESCRIPTOR)))
    text = json.dumps(to_json(message))
    assert from_json(json.loads(text), cls) == message

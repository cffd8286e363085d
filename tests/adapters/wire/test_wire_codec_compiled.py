"""The compiled codec functions: both encoder shapes agree; decoder shortcuts change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from wire_strategies import MessageStrategies, reachable_messages

from armada_adapters.wire import _encode
from armada_adapters.wire._plans import MessagePlan, plan_for
from armada_adapters.wire.errors import WireDecodeError
from armada_adapters.wire.jsoncodec import from_json, to_json
from armada_adapters.wire.pool import message_class

STRATEGIES = MessageStrategies()
PLANNED = [d.full_name for d in reachable_messages() if isinstance(plan_for(d), MessagePlan)]


def _ordered(value: Any) -> Any:
    """`value` with dict order made visible, so equality also compares key order."""
    if isinstance(value, dict):
        return [(k, _ordered(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_ordered(v) for v in value]
    return value


def test_both_shapes_are_in_use() -> None:
    costs = {name: _encode._probe_cost(_plan(name)) for name in PLANNED}
    assert costs["k8s.io.api.core.v1.PodSpec"] > _encode.PROBE_LIMIT  # listing
    assert costs["k8s.io.api.core.v1.EnvVar"] <= _encode.PROBE_LIMIT  # probing


@pytest.mark.parametrize("name", PLANNED)
def test_probing_and_listing_encoders_write_the_same_json(name: str) -> None:
    cls = message_class(name)
    plan = _plan(name)
    probing, listing = _encode._probing_encoder(plan), _encode._listing_encoder(plan)

    @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
    @given(STRATEGIES.kwargs(cls.DESCRIPTOR))
    def check(kwargs: dict[str, Any]) -> None:
        message = cls(**kwargs)
        for keep in (False, True):
            assert _ordered(probing(message, keep)) == _ordered(listing(message, keep))

    check()


def _plan(name: str) -> MessagePlan:
    plan = plan_for(message_class(name).DESCRIPTOR)
    assert isinstance(plan, MessagePlan)
    return plan.built()


def test_keyword_field_names_are_read_with_getattr() -> None:
    lines = _encode._probe_lines(_Field(has_presence=True), "from", 0, "from", None)
    assert "getattr(message, 'from')" in "\n".join(lines)


class _Field:
    def __init__(self, *, has_presence: bool) -> None:
        self.has_presence = has_presence


POD = "k8s.io.api.core.v1.PodSpec"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # string lists and maps: nulls are zero values, lone surrogates are replaced
        ({"containers": [{"args": ["a", None]}]}, {"containers": [{"args": ["a", ""]}]}),
        ({"containers": [{"args": ["\ud800"]}]}, {"containers": [{"args": ["\ufffd"]}]}),
        ({"nodeSelector": {"a": None, "b": "c"}}, {"nodeSelector": {"a": "", "b": "c"}}),
        ({"nodeSelector": {"\ud800": "x"}}, {"nodeSelector": {"\ufffd": "x"}}),
        # maps of messages: a null value is an empty message, odd keys take the long way
        (
            {"overhead": {"cpu": "1", "é": 2, "memory": None}},
            {"overhead": {"cpu": "1", "memory": "0", "é": "2"}},
        ),
        # lists of messages: a null element is an empty message
        ({"volumes": [None, {"name": "v"}]}, {"volumes": [{}, {"name": "v"}]}),
    ],
)
def test_decoder_shortcuts_keep_go_semantics(data: dict[str, Any], expected: Any) -> None:
    assert to_json(from_json(data, message_class(POD))) == expected


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"containers": [{"name": "a"}, {"name": 5}]}, "containers[1].name"),
        ({"containers": [{"args": ["a", 5]}]}, "containers[0].args[1]"),
        ({"overhead": {"cpu": "1", "memory": "x"}}, "overhead[memory]"),
        ({"overhead": {"é": "x"}}, "overhead[é]"),
        ({"nodeSelector": {"a": 1}}, "nodeSelector[a]"),
        ({"nodeSelector": ["a"]}, "nodeSelector"),
    ],
)
def test_decoder_shortcuts_name_the_bad_value(data: dict[str, Any], path: str) -> None:
    with pytest.raises(WireDecodeError) as caught:
        from_json(data, message_class(POD))
    assert caught.value.path == path

"""Request decoding: any body, query or path either decodes or is a WireDecodeError.

A WireDecodeError is a 400; anything else would be a 500, which no input may cause.
"""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from armada_adapters.rest.decoding import decode_request, parse_body
from armada_adapters.rest.routes import RestRoute, rest_routes
from armada_adapters.wire.errors import WireDecodeError
from armada_adapters.wire.jsoncodec import to_json
from armada_adapters.wire.operations import SERVICES

ROUTES = rest_routes(SERVICES)
BY_PATH = {r.method_path: r for r in ROUTES}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
# Keys a request message really has, so that values reach the field decoders.
field_names = st.sampled_from(
    [
        "name",
        "queue",
        "jobSetId",
        "jobIds",
        "priorityFactor",
        "num",
        "watch",
        "fromMessageId",
        "jobRequestItems",
        "podSpec",
        "resourceLimits",
        "permissions",
        "errorIfMissing",
        "ID",
    ]
)
bodies = st.dictionaries(field_names, json_values, max_size=5)


def _decodes_or_refuses(route: RestRoute, body: bytes, query: list[tuple[str, str]]) -> None:
    params = dict.fromkeys(route.path_params, "p")
    try:
        message = anyio.run(decode_request, route, body, query, params)
    except WireDecodeError:
        return
    for name in route.path_params:  # path parameters always win
        assert getattr(message, name) == "p"
    to_json(message)


@settings(max_examples=300, deadline=None)
@given(route=st.sampled_from(ROUTES), body=bodies)
def test_any_json_body_decodes_or_is_a_400(route: RestRoute, body: dict[str, Any]) -> None:
    _decodes_or_refuses(route, json.dumps(body).encode(), [])


@settings(max_examples=200, deadline=None)
@given(route=st.sampled_from(ROUTES), body=st.binary(max_size=64))
def test_any_bytes_decode_or_are_a_400(route: RestRoute, body: bytes) -> None:
    _decodes_or_refuses(route, body, [])


@settings(max_examples=200, deadline=None)
@given(query=st.lists(st.tuples(st.sampled_from(["num", "name", "x"]), st.text()), max_size=3))
def test_any_query_decodes_or_is_a_400(query: list[tuple[str, str]]) -> None:
    _decodes_or_refuses(BY_PATH["/api.Submit/GetQueues"], b"", query)


@pytest.mark.parametrize("body", [b"", b"null", b" null\n"])
def test_an_empty_body_is_an_empty_object(body: bytes) -> None:
    assert parse_body(body) == {}


@pytest.mark.parametrize("body", [b"\r", b"  \n", b" \t\r\n "])
def test_a_body_of_whitespace_only_is_refused(body: bytes) -> None:
    with pytest.raises(WireDecodeError, match="whitespace only"):
        parse_body(body)


def test_only_the_first_json_value_is_read() -> None:
    assert parse_body(b'{"a": 1} trailing') == {"a": 1}


def test_query_names_may_be_proto_or_json_names() -> None:
    route = BY_PATH["/api.Submit/GetQueues"]
    assert to_json(anyio.run(decode_request, route, b"", [("num", "5")], {})) == {"num": 5}
    with pytest.raises(WireDecodeError, match="too many values"):
        anyio.run(decode_request, route, b"", [("num", "5"), ("num", "6")], {})

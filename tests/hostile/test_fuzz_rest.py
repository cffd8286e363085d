"""schemathesis and raw bodies against every REST route of a real server: no 5xx, fast, JSON.

schemathesis generates requests from the document the server serves (valid and
invalid ones, `generation.mode: all`) for every operation; on top of that, every
route with a body gets random bytes, text that is not JSON, JSON of the wrong
shape, deeply nested and huge bodies. Every answer must be below 500, within a
second, and JSON (newline-delimited on the streamed routes, where an error line
must not carry INTERNAL or UNKNOWN either); /health answers after each route.
"""

from __future__ import annotations

import http.client
import json
import re
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from fuzz_support import (
    FUZZ,
    FUZZ_MARKS,
    FUZZ_QUEUE,
    SLOWEST_ANSWER_S,
    HostileRequests,
    examples,
    fuzzed_server,
    health_seconds,
    within_answer_time,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from armada_adapters.rest.routes import RestRoute, rest_routes
from armada_adapters.rest.swagger import swagger_document
from armada_adapters.wire.errors import WireDecodeError
from armada_adapters.wire.jsoncodec import to_json
from armada_adapters.wire.operations import SERVICES
from armada_adapters.wire.pool import message_class

pytestmark = list(FUZZ_MARKS)

DOCUMENT = swagger_document(rest_routes(SERVICES))
STREAMED = {"/v1/batched/queues", "/v1/job-set/{queue}/{id}"}
CONFIG = schemathesis.Config.from_dict(
    {
        # Fuzzing only: the coverage phase enumerates ~20,000 boundary cases of PodSpec.
        "phases": {"examples": {"enabled": False}, "coverage": {"enabled": False}},
        "generation": {"mode": "all"},
    }
)
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)
SCHEMA_EXAMPLES = 530  # per operation; 20 operations
# A PodSpec body takes schemathesis ~0.4 s to generate (others ~0.03 s): fewer of them.
SUBMIT_EXAMPLES = 40
RAW_EXAMPLES = 100  # per route with a body
MIN_SENT = 10_000  # the bar for schemathesis, summed over every operation
FAILED_CODES = (2, 13)  # UNKNOWN, INTERNAL in a streamed error line
TALLY: Counter[str] = Counter()


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp("fuzz-rest")
    with fuzzed_server(folder, request.config, "REST fuzz", TALLY) as process:
        yield process


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    """One keep-alive connection for every case (a new one each costs more than the call)."""
    with requests.Session() as http:
        yield http


@pytest.fixture(scope="module")
def base_url(server: Any) -> str:
    return f"http://127.0.0.1:{server.http_port}"


SUBMIT = "/v1/job/submit"


@schema.exclude(path=SUBMIT).parametrize()
@settings(FUZZ, max_examples=examples(SCHEMA_EXAMPLES))
def test_every_route(
    case: schemathesis.Case[Any], base_url: str, session: requests.Session
) -> None:
    _run_case(case, base_url, session)


@schema.include(path=SUBMIT).parametrize()
@settings(FUZZ, max_examples=examples(SUBMIT_EXAMPLES))
def test_submit_route(
    case: schemathesis.Case[Any], base_url: str, session: requests.Session
) -> None:
    _run_case(case, base_url, session)


def _run_case(case: schemathesis.Case[Any], base_url: str, session: requests.Session) -> None:
    if case.path == "/v1/job-set/{queue}/{id}" and isinstance(case.body, dict):
        case.body["watch"] = False  # a watch never ends; live ones are tested elsewhere
    kwargs = case.as_transport_kwargs(base_url=base_url)
    response, elapsed = within_answer_time(lambda: session.request(**kwargs, timeout=30))
    TALLY["schemathesis sent"] += 1
    TALLY[str(response.status_code)] += 1
    _check(case.path, response.status_code, response.content, elapsed)


def _check(path: str, status: int, body: bytes, elapsed: float) -> None:
    where = (path, status, body[:300])
    assert status < 500, where
    assert elapsed <= SLOWEST_ANSWER_S, (*where, elapsed)
    if status in (204, 304):
        return
    if path in STREAMED and status == 200:
        for line in body.splitlines():
            error = json.loads(line).get("error")
            assert error is None or error.get("code") not in FAILED_CODES, where
    else:
        json.loads(body)


def test_the_server_is_healthy_after_schemathesis(server: Any) -> None:
    assert health_seconds(server) < SLOWEST_ANSWER_S


def test_schemathesis_sent_its_share_of_cases() -> None:
    if TALLY["schemathesis sent"] == 0:
        pytest.skip("schemathesis did not run")
    operations = sum(len(item) for item in DOCUMENT["paths"].values())
    if TALLY["schemathesis sent"] + _skipped() < (operations - 1) * examples(SCHEMA_EXAMPLES) // 2:
        pytest.skip("only some operations ran")
    assert TALLY["schemathesis sent"] >= examples(MIN_SENT), TALLY


def _skipped() -> int:
    return sum(v for k, v in TALLY.items() if k.startswith("skipped"))


# ---- raw bodies ------------------------------------------------------------------------

_NOT_JSON = (
    b"",
    b"\r",
    b" ",
    b"{",
    b"}",
    b"[",
    b"null",
    b"nul",
    b"\x00",
    b"{'a': 1}",
    b'{"a": NaN}',
    b'{"a": Infinity}',
    b'{"queue": "\xff"}',
    b"\xef\xbb\xbf{}",
    b'{"a":1}{"b":2}',
    b"1e99999",
    b'"' + b"\\u0000" * 8 + b'"',
)


def _huge(kind: str, size: int) -> bytes:
    if kind == "nested":
        return b"[" * size + b"]" * size
    if kind == "deep-object":
        return b'{"a":' * size + b"1" + b"}" * size
    if kind == "long-array":
        return b"[" + b"1," * size + b"1]"
    return json.dumps({"queue": "q", "jobSetId": "s", "x": "x" * size}).encode()


_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=10)
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)
ANY_BODY = st.one_of(
    st.binary(max_size=512),
    st.sampled_from(_NOT_JSON),
    st.text(max_size=64).map(str.encode),
    _JSON.map(lambda v: json.dumps(v).encode()),
    st.builds(
        _huge,
        st.sampled_from(["nested", "deep-object", "long-array", "long-string"]),
        st.sampled_from([100, 2_000, 100_000, 1_000_000]),
    ),
)
KNOWN = [FUZZ_QUEUE]
REQUESTS = HostileRequests(KNOWN)
BODY_ROUTES = [route for route in rest_routes(SERVICES) if route.body == "*"]


@pytest.mark.parametrize("route", BODY_ROUTES, ids=lambda r: f"{r.http_method} {r.template}")
def test_raw_bodies(route: RestRoute, server: Any) -> None:
    target = re.sub(r"\{[^}]*\}", FUZZ_QUEUE, route.starlette_path)
    body = st.one_of(ANY_BODY, _hostile_json(route))

    @settings(FUZZ, max_examples=examples(RAW_EXAMPLES))
    @given(body)
    def run(data: bytes) -> None:
        started = time.perf_counter()
        status, answer = _send(server.http_port, route.http_method, target, data)
        TALLY["raw sent"] += 1
        _check(route.template, status, answer, time.perf_counter() - started)

    run()
    assert health_seconds(server) < SLOWEST_ANSWER_S


def _hostile_json(route: RestRoute) -> st.SearchStrategy[bytes]:
    """The gRPC fuzz's hostile messages as Go-JSON."""
    cls = message_class(route.request_type)

    def encode(request: dict[str, Any]) -> bytes:
        try:
            return json.dumps(to_json(cls(**request))).encode()
        except WireDecodeError:
            return b"{}"  # a value Go-JSON cannot carry: not a server matter

    return REQUESTS.kwargs(route.request_type).map(encode)


def _send(port: int, method: str, target: str, body: bytes) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, target, body=body, headers={"content-type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()

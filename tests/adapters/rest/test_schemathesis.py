"""schemathesis against a live server, every route: no 500, nothing the document denies.

The document is the one the app serves (`swagger_document` over the same routes),
loaded without a server so that pytest sees one test per operation. All default
checks run except two:

* `positive_data_acceptance` (a request that fits the document must succeed): the
  document describes shapes only, and the core rejects shape-valid requests that
  break its rules (empty queue name, pod spec without containers, ...) with 400
  by design;
* `response_schema_conformance` on streamed answers: they are newline-delimited
  JSON, which no OpenAPI checker reads, so each of their lines is validated
  against the documented line object here instead.

(A body of whitespace only, which Armada's gateway reads as `{}`, is a 400 here,
so `negative_data_rejection` holds for it too: docs/rest.md.)

Examples are derandomised so that a CI run is repeatable.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from rest_support import ADMIN as ADMIN_PRINCIPAL
from rest_support import TOKENS, TokenBackend, base_url, listening_socket, uvicorn_server
from schemathesis.specs.openapi.checks import (
    positive_data_acceptance,
    response_schema_conformance,
)
from swagger_support import STREAMED, response_schema, strict, validator

from armada_adapters.rest import create_app
from armada_adapters.rest.routes import rest_routes
from armada_adapters.rest.swagger import swagger_document
from armada_adapters.wire.operations import SERVICES
from armada_auth import Authenticator
from armada_core.config import ServiceConfig
from armada_core.permissions import Permission, PermissionConfig
from armada_core.service import ArmadaService
from armada_storage.memory import MemoryStorage

DOCUMENT = swagger_document(rest_routes(SERVICES))
# Fuzzing only (positive and negative data), bounded by `max_examples`. The examples
# phase has no examples to use, and the coverage phase enumerates ~20,000 boundary
# cases for this schema (PodSpec is large), minutes of requests per run.
CONFIG = schemathesis.Config.from_dict(
    {
        "phases": {"examples": {"enabled": False}, "coverage": {"enabled": False}},
        "generation": {"mode": "all"},
    }
)
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)
HEADERS = {"authorization": f"Bearer {ADMIN_PRINCIPAL.name}"}
EXAMPLES = 30


def _app() -> Any:
    # Built inside the server's thread, so every anyio primitive lives in its loop.
    groups = {p.value: sorted(ADMIN_PRINCIPAL.groups) for p in Permission}
    service = ArmadaService(
        MemoryStorage(),
        config=ServiceConfig(permissions=PermissionConfig.from_mappings(groups=groups)),
    )
    return create_app(service, Authenticator([TokenBackend(TOKENS)]))


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    sock = listening_socket()
    server = uvicorn_server(_app)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield base_url(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_route(case: schemathesis.Case[Any], server_url: str) -> None:
    if case.path == "/v1/job-set/{queue}/{id}" and isinstance(case.body, dict):
        case.body["watch"] = False  # a watch never ends; a live one is tested elsewhere
    response = case.call(base_url=server_url, headers=HEADERS, timeout=30)
    assert response.status_code < 500, response.text
    excluded: list[schemathesis.CheckFunction] = [positive_data_acceptance]
    if case.path in STREAMED and response.status_code == 200:
        _check_lines(case, response.text)
        excluded.append(response_schema_conformance)
    case.validate_response(response, excluded_checks=excluded)


def _check_lines(case: schemathesis.Case[Any], text: str) -> None:
    line_schema = response_schema(DOCUMENT, case.path, case.method.lower(), "200")
    check = validator(strict(DOCUMENT), line_schema)
    for line in text.splitlines():
        body = json.loads(line)
        assert [e.message for e in check.iter_errors(body)] == [], body

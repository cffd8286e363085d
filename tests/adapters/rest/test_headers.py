"""The gateway's header mapping (armada-api.md §9.3) over ASGITransport.

Grpc-Timeout → a deadline on the core call (504 when it passes, 400 when malformed);
Grpc-Metadata-Authorization and Grpc-Metadata-X-Request-Id → the same metadata as
Authorization and x-request-id, the plain header winning; the response metadata
(request id, www-authenticate) → Grpc-Metadata-<Name> response headers.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import pytest
from rest_support import Stalling, error_body, lines, queue_body, with_operation
from starlette.applications import Starlette

from armada_adapters.rest import RestSettings, create_app
from armada_adapters.rest.metadata import metadata_headers, metadata_value
from armada_auth import AuthContext, Authenticator, AuthResult, build_authenticator
from armada_core.principal import Principal
from armada_core.service import ArmadaService

pytestmark = pytest.mark.anyio

GET_QUEUE = "/api.Submit/GetQueue"  # GET /v1/queue/{name}
GET_QUEUES = "/api.Submit/GetQueues"  # GET /v1/batched/queues (a stream)
ADMIN = {"authorization": "Bearer admin"}
DEADLINE_MESSAGE = "context deadline exceeded"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def client_for(app: Any, **headers: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://armada.test", headers=headers)


def app_with(service: ArmadaService, path: str, call: Any, auth: Authenticator | None) -> Starlette:
    return create_app(service, auth, settings=RestSettings(), operations=with_operation(path, call))


async def timed(request: Any) -> tuple[httpx.Response, float]:
    """The response of the awaitable `request` and the seconds it took (at most 5)."""
    started = anyio.current_time()
    with anyio.fail_after(5):
        response = await request
    return response, anyio.current_time() - started


# ---- Grpc-Timeout: the deadline ----------------------------------------------------------


async def test_a_unary_call_past_its_deadline_is_a_504_and_the_core_is_cancelled(
    service: ArmadaService, authenticator: Authenticator
) -> None:
    stalling = Stalling()
    async with client_for(app_with(service, GET_QUEUE, stalling, authenticator), **ADMIN) as c:
        response, took = await timed(
            c.get("/v1/queue/q", headers={"grpc-timeout": "200m", "x-request-id": "r-504"})
        )
    assert response.status_code == 504
    assert response.json() == error_body(DEADLINE_MESSAGE, 4)
    assert response.json()["message"] == f'[x-request-id: "r-504"] {DEADLINE_MESSAGE}'
    assert 0.2 <= took < 3
    assert stalling.cancelled


async def test_a_deadline_that_is_met_changes_nothing(client: httpx.AsyncClient) -> None:
    for timeout in ("10S", "1M", "1H", "99999999H", "5000000u"):
        created = await client.post(
            "/v1/queue", json=queue_body("q"), headers={"grpc-timeout": timeout}
        )
        assert (created.status_code, created.json()) == (200, {}), timeout
        got = await client.get("/v1/queue/q", headers={"grpc-timeout": timeout})
        assert got.json()["name"] == "q"


async def test_a_stream_that_cannot_open_in_time_is_a_504_stream_error(
    service: ArmadaService,
) -> None:
    stalling = Stalling()
    async with client_for(app_with(service, GET_QUEUES, stalling, None)) as c:
        response, took = await timed(
            c.get("/v1/batched/queues", headers={"grpc-timeout": "200m", "x-request-id": "r1"})
        )
    assert response.status_code == 504
    assert response.json() == {
        "error": {
            "grpc_code": 4,
            "http_code": 504,
            "message": f'[x-request-id: "r1"] {DEADLINE_MESSAGE}',
            "http_status": "Gateway Timeout",
        }
    }
    assert 0.2 <= took < 3 and stalling.cancelled


async def test_a_stream_past_its_deadline_ends_with_the_error_as_last_line(
    service: ArmadaService,
) -> None:
    queue = {"Event": {"queue": {"name": "a"}}}
    stalling = Stalling(lines=[queue])
    async with client_for(app_with(service, GET_QUEUES, stalling, None)) as c:
        response, took = await timed(
            c.get("/v1/batched/queues", headers={"grpc-timeout": "200m", "x-request-id": "r2"})
        )
    assert response.status_code == 200
    first, last = response.text.split("\n")
    assert json.loads(first) == {"result": queue}
    assert json.loads(last) == {
        "error": {
            "grpc_code": 4,
            "http_code": 504,
            "message": f'[x-request-id: "r2"] {DEADLINE_MESSAGE}',
            "http_status": "Gateway Timeout",
        }
    }
    assert 0.2 <= took < 3 and stalling.cancelled


MALFORMED = {
    "no unit": ("5", "no unit"),
    "bad unit": ("5X", "unknown unit 'X'"),
    "lower-case s": ("5s", "unknown unit 's'"),
    "9 digits": ("123456789S", "9 digits"),
    "no digits": ("m", "no digits"),
    "negative": ("-1S", "'-1' is not all ASCII digits"),
    "fraction": ("0.5S", "'0.5' is not all ASCII digits"),
}


@pytest.mark.parametrize(("value", "reason"), MALFORMED.values(), ids=MALFORMED.keys())
async def test_a_malformed_timeout_is_a_400_and_nothing_runs(
    service: ArmadaService, authenticator: Authenticator, value: str, reason: str
) -> None:
    stalling = Stalling()
    async with client_for(app_with(service, GET_QUEUE, stalling, authenticator), **ADMIN) as c:
        response = await c.get("/v1/queue/q", headers={"grpc-timeout": value, "x-request-id": "b"})
    assert response.status_code == 400
    assert response.json() == error_body(f"invalid grpc-timeout: {value!r}: {reason}", 3)
    assert response.json()["message"].startswith('[x-request-id: "b"] invalid grpc-timeout')
    assert not stalling.called


async def test_on_a_stream_route_a_malformed_timeout_gets_the_unary_error_body(
    client: httpx.AsyncClient,
) -> None:
    # The gateway reads the header before any stream exists (runtime.HTTPError).
    await client.post("/v1/queue", json=queue_body("q"))
    response = await client.post(
        "/v1/job-set/q/js", json={"watch": True}, headers={"grpc-timeout": "10"}
    )
    assert response.status_code == 400
    assert response.json() == error_body("invalid grpc-timeout: '10': no unit", 3)


async def test_a_malformed_timeout_is_refused_before_authentication(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(
        "/v1/queue/q", headers={"authorization": "", "grpc-timeout": "forever"}
    )
    assert response.status_code == 400
    assert "www-authenticate" not in response.headers


async def test_unknown_paths_do_not_read_the_timeout(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/nope", headers={"grpc-timeout": "x"})).status_code == 404
    bad_method = await client.get("/v1/job/submit", headers={"grpc-timeout": "x"})
    assert bad_method.status_code == 405
    assert (await client.get("/health", headers={"grpc-timeout": "x"})).status_code == 204


@pytest.mark.parametrize("value", ["", "   ", "0S", "0m", "00000000n"])
async def test_empty_and_zero_timeouts_set_no_deadline(service: ArmadaService, value: str) -> None:
    # As grpc-gateway: an empty header is absent (Header.Get), 0 sets no timeout.
    async def slowish(*args: Any) -> dict[str, Any]:
        await anyio.sleep(0.05)
        return {"name": "q"}

    async with client_for(app_with(service, GET_QUEUE, slowish, None)) as c:
        response, _ = await timed(c.get("/v1/queue/q", headers={"grpc-timeout": value}))
    assert (response.status_code, response.json()) == (200, {"name": "q"})


async def test_the_first_grpc_timeout_header_counts(service: ArmadaService) -> None:
    stalling = Stalling()
    async with client_for(app_with(service, GET_QUEUE, stalling, None)) as c:
        headers = [("grpc-timeout", "100m"), ("grpc-timeout", "bogus")]
        response, _ = await timed(c.get("/v1/queue/q", headers=headers))
    assert response.status_code == 504


# ---- Grpc-Metadata-Authorization ---------------------------------------------------------


@pytest.fixture
async def basic_client(service: ArmadaService) -> AsyncIterator[httpx.AsyncClient]:
    """The real app with Basic authentication only; no credentials by default."""
    users = {
        "admin": {"password": "admin-pw", "groups": ["admins"]},
        "alice": {"password": "alice-pw", "groups": []},
    }
    authenticator = await build_authenticator({"basicAuth": {"users": users}})
    async with client_for(create_app(service, authenticator)) as client:
        yield client


async def test_grpc_metadata_authorization_authenticates(
    basic_client: httpx.AsyncClient,
) -> None:
    headers = {"grpc-metadata-authorization": basic("admin", "admin-pw")}
    created = await basic_client.post("/v1/queue", json=queue_body("q"), headers=headers)
    assert (created.status_code, created.json()) == (200, {})
    # The identity is the header's: alice holds no permission.
    headers = {"grpc-metadata-authorization": basic("alice", "alice-pw")}
    refused = await basic_client.post("/v1/queue", json=queue_body("q2"), headers=headers)
    assert refused.status_code == 403
    assert refused.json() == error_body("alice", 7)


@pytest.mark.parametrize(
    "credentials", [basic("admin", "wrong"), basic("nobody", "x"), "Basic !!!", "Basic "]
)
async def test_wrong_grpc_metadata_authorization_is_a_401(
    basic_client: httpx.AsyncClient, credentials: str
) -> None:
    response = await basic_client.get(
        "/v1/queue/q", headers={"Grpc-Metadata-Authorization": credentials}
    )
    assert response.status_code == 401
    # The credentials were read and rejected, not missed ("could not be authenticated").
    assert response.json() == error_body("Invalid credentials presented", 16)
    assert response.headers.get_list("www-authenticate") == ['Basic realm="armada"']


async def test_no_credentials_at_all_is_still_a_401(basic_client: httpx.AsyncClient) -> None:
    assert (await basic_client.get("/v1/queue/q")).status_code == 401


PRECEDENCE = {
    # Authorization, Grpc-Metadata-Authorization → HTTP status, gRPC code, message part.
    # Authorization always decides, even when it is empty.
    "valid plain, wrong metadata": (
        basic("admin", "admin-pw"),
        basic("admin", "wrong"),
        (200, 0, ""),
    ),
    "wrong plain, valid metadata": (
        basic("admin", "wrong"),
        basic("admin", "admin-pw"),
        (401, 16, 'Invalid credentials presented for user "admin"'),
    ),
    "alice plain, admin metadata": (
        basic("alice", "alice-pw"),
        basic("admin", "admin-pw"),
        (403, 7, "alice"),
    ),
    "empty plain, valid metadata": (
        "",
        basic("admin", "admin-pw"),
        (401, 16, "could not be authenticated"),
    ),
}


@pytest.mark.parametrize(("plain", "metadata", "expected"), PRECEDENCE.values(), ids=PRECEDENCE)
async def test_authorization_wins_over_grpc_metadata_authorization(
    basic_client: httpx.AsyncClient, plain: str, metadata: str, expected: tuple[int, int, str]
) -> None:
    status, code, part = expected
    headers = {"authorization": plain, "grpc-metadata-authorization": metadata}
    response = await basic_client.post("/v1/queue", json=queue_body("q"), headers=headers)
    assert response.status_code == status, response.text
    if code:
        assert response.json() == error_body(part, code)


# ---- Grpc-Metadata-X-Request-Id ----------------------------------------------------------


async def test_grpc_metadata_x_request_id_is_the_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/queue/nope", headers={"Grpc-Metadata-X-Request-Id": "gm-1"})
    assert response.status_code == 404
    assert response.headers["x-request-id"] == "gm-1"
    assert response.headers["grpc-metadata-x-request-id"] == "gm-1"
    assert response.json()["message"].startswith('[x-request-id: "gm-1"] ')


async def test_grpc_metadata_x_request_id_reaches_stream_errors(
    client: httpx.AsyncClient,
) -> None:
    await client.post("/v1/queue", json=queue_body("q"))
    response = await client.post(
        "/v1/job-set/q/none",
        json={"errorIfMissing": True},
        headers={"grpc-metadata-x-request-id": "gm-2"},
    )
    assert response.status_code == 404
    assert response.headers["x-request-id"] == "gm-2"
    assert response.json()["error"]["message"].startswith('[x-request-id: "gm-2"] ')


async def test_x_request_id_wins_over_grpc_metadata_x_request_id(
    client: httpx.AsyncClient,
) -> None:
    headers = {"grpc-metadata-x-request-id": "loses", "x-request-id": "wins"}
    response = await client.get("/v1/queue/nope", headers=headers)
    assert response.headers["x-request-id"] == "wins"
    assert response.headers["grpc-metadata-x-request-id"] == "wins"
    assert response.json()["message"].startswith('[x-request-id: "wins"] ')


async def test_an_unusable_grpc_metadata_x_request_id_is_replaced(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/queue/nope", headers={"grpc-metadata-x-request-id": "x" * 500})
    assert response.headers["x-request-id"] != "x" * 500
    assert len(response.headers["x-request-id"]) == 36


# ---- outgoing Grpc-Metadata-<Name> -------------------------------------------------------


async def test_every_api_answer_carries_its_request_id_as_grpc_metadata(
    client: httpx.AsyncClient,
) -> None:
    await client.post("/v1/queue", json=queue_body("q"))
    answers = {
        "unary ok": await client.get("/v1/queue/q"),
        "unary error": await client.get("/v1/queue/nope"),
        "stream": await client.get("/v1/batched/queues"),
        "stream refusal": await client.post("/v1/job-set/q/x", json={"errorIfMissing": True}),
        "401": await client.get("/v1/queue/q", headers={"authorization": ""}),
        "bad timeout": await client.get("/v1/queue/q", headers={"grpc-timeout": "1"}),
    }
    for name, response in answers.items():
        request_id = response.headers["x-request-id"]
        assert response.headers.get_list("grpc-metadata-x-request-id") == [request_id], name
    assert [r.status_code for r in answers.values()] == [200, 404, 200, 404, 401, 400]


async def test_paths_without_a_grpc_call_get_no_grpc_metadata(client: httpx.AsyncClient) -> None:
    for response in (
        await client.get("/health"),
        await client.get("/swagger.json"),
        await client.get("/v1/nope"),
        await client.get("/v1/job/submit"),  # 405
    ):
        assert "x-request-id" in response.headers
        assert not [k for k in response.headers if k.startswith("grpc-metadata-")], response


async def test_challenges_of_a_refusal_are_grpc_metadata_too(
    basic_client: httpx.AsyncClient,
) -> None:
    response = await basic_client.get("/v1/queue/q")
    assert response.status_code == 401
    challenges = response.headers.get_list("www-authenticate")
    assert challenges == ['Basic realm="armada"']
    assert response.headers.get_list("grpc-metadata-www-authenticate") == challenges


class Mutual:
    """A backend that accepts anyone and answers a SPNEGO mutual-authentication token."""

    name, order = "Mutual", 1

    async def authenticate(self, authorization: str | None, ctx: AuthContext) -> AuthResult:
        principal = Principal("kerb", "Kerberos", groups=frozenset({"admins"}))
        return AuthResult(principal, (("www-authenticate", "Negotiate b2s="),))


@pytest.mark.parametrize("path", ["/v1/queue/q", "/v1/batched/queues"])
async def test_the_mutual_auth_token_is_also_grpc_metadata(
    service: ArmadaService, path: str
) -> None:
    app = create_app(service, Authenticator([Mutual()]))
    async with client_for(app, authorization="Negotiate x") as c:
        await c.post("/v1/queue", json=queue_body("q"))
        response = await c.get(path)
    assert response.status_code == 200
    assert response.headers.get_list("www-authenticate") == ["Negotiate b2s="]
    assert response.headers.get_list("grpc-metadata-www-authenticate") == ["Negotiate b2s="]
    if path.endswith("queues"):
        assert lines(response)[-1] == {"result": {"Event": {"end": {}}}}


# ---- the mapping functions themselves ----------------------------------------------------


def test_metadata_value_prefers_the_plain_header_wherever_it_is() -> None:
    headers = [(b"grpc-metadata-authorization", b"meta"), (b"authorization", b"plain")]
    assert metadata_value(headers, "authorization") == "plain"
    assert metadata_value(headers[:1], "authorization") == "meta"
    assert metadata_value([(b"Grpc-Metadata-X-Request-Id", b"mixed")], "x-request-id") == "mixed"
    assert metadata_value([(b"authorization", b"")], "authorization") == ""
    assert metadata_value([(b"other", b"x")], "authorization") is None
    twice = [(b"grpc-metadata-x-request-id", b"1"), (b"grpc-metadata-x-request-id", b"2")]
    assert metadata_value(twice, "x-request-id") == "1"


def test_metadata_headers_copy_only_metadata() -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"www-authenticate", b"Basic"),
        (b"WWW-Authenticate", b"Bearer"),
    ]
    assert metadata_headers(headers, "rid") == [
        (b"grpc-metadata-x-request-id", b"rid"),
        (b"grpc-metadata-www-authenticate", b"Basic"),
        (b"grpc-metadata-www-authenticate", b"Bearer"),
    ]
    assert metadata_headers([(b"content-type", b"x")], None) == []

"""The ASGI middleware through httpx.ASGITransport (no socket): 401/503 shapes, headers."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from armada_adapters.rest.auth import AuthenticationMiddleware
from armada_auth import AuthContext, Authenticator, AuthResult, build_authenticator
from armada_core.errors import Unavailable
from armada_core.principal import Principal

pytestmark = pytest.mark.anyio
ADMIN = "Basic " + base64.b64encode(b"admin:admin").decode()
BASIC = {"users": {"admin": {"password": "admin", "groups": ["admins"]}}}


async def whoami(request: Request) -> JSONResponse:
    principal: Principal = request.state.principal
    return JSONResponse({"user": principal.name, "groups": principal.sorted_groups})


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"ok": True})


def app_with(authenticator: Authenticator) -> Any:
    app = Starlette(routes=[Route("/v1/whoami", whoami), Route("/health", health)])
    return AuthenticationMiddleware(app, authenticator)


async def client_for(authenticator: Authenticator) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app_with(authenticator))
    async with httpx.AsyncClient(transport=transport, base_url="http://armada.test") as client:
        yield client


class Fixed:
    """A backend with a fixed answer."""

    name, order = "Fixed", 1

    def __init__(self, outcome: Any) -> None:
        self.outcome = outcome

    async def authenticate(self, authorization: str | None, ctx: AuthContext) -> AuthResult:
        assert ctx.transport == "http" and ctx.peer == "127.0.0.1"
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome  # type: ignore[no-any-return]


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    authenticator = await build_authenticator(
        {"basicAuth": BASIC, "kerberos": {}, "anonymousAuth": False}
    )
    async for value in client_for(authenticator):
        yield value


async def test_valid_credentials_set_request_state(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/whoami", headers={"Authorization": ADMIN})
    assert response.status_code == 200
    assert response.json() == {"user": "admin", "groups": ["admins", "everyone"]}
    assert "www-authenticate" not in response.headers


async def test_no_credentials_is_401_with_gateway_body(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/whoami")
    assert response.status_code == 401
    message = (
        "Request could not be authenticated: "
        "Request could not be authenticated with any of the supported schemes."
    )
    assert response.json() == {"error": message, "code": 16, "message": message}
    assert response.headers.get_list("www-authenticate") == ['Basic realm="armada"']


async def test_bad_credentials_are_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/whoami", headers={"Authorization": "Basic !!!"})
    assert response.status_code == 401
    assert response.json()["message"].startswith("Invalid credentials presented")


async def test_exempt_paths_pass_without_credentials(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health")).status_code == 200


async def test_every_enabled_challenge_is_listed() -> None:
    async def missing(scheme: str) -> Any:
        from armada_auth import MissingCredentials

        class Missing:
            name, order = scheme, len(scheme)

            async def authenticate(self, authorization: str | None, ctx: AuthContext) -> Any:
                raise MissingCredentials(scheme, headers=(("www-authenticate", scheme),))

        return Missing()

    chain = Authenticator(
        [await missing("Basic"), await missing("Bearer"), await missing("Negotiate")]
    )
    async for client in client_for(chain):
        response = await client.get("/v1/whoami")
    assert response.headers.get_list("www-authenticate") == ["Basic", "Bearer", "Negotiate"]


async def test_mutual_token_is_added_to_the_success_response() -> None:
    result = AuthResult(Principal("kerb", "Kerberos"), (("www-authenticate", "Negotiate b2s="),))
    async for client in client_for(Authenticator([Fixed(result)])):
        response = await client.get("/v1/whoami", headers={"Authorization": "Negotiate x"})
    assert response.status_code == 200
    assert response.headers["www-authenticate"] == "Negotiate b2s="


async def test_unavailable_is_503() -> None:
    async for client in client_for(Authenticator([Fixed(Unavailable("idp down"))])):
        response = await client.get("/v1/whoami", headers={"Authorization": "Bearer x"})
    assert response.status_code == 503
    assert response.json() == {"error": "idp down", "code": 14, "message": "idp down"}


async def test_unexpected_error_is_500_without_details() -> None:
    async for client in client_for(Authenticator([Fixed(RuntimeError("secret"))])):
        response = await client.get("/v1/whoami")
    assert response.status_code == 500
    assert "secret" not in response.text


async def test_websocket_is_closed_when_unauthenticated() -> None:
    sent: list[dict[str, Any]] = []

    async def send(message: Any) -> None:
        sent.append(message)

    async def receive() -> Any:
        return {"type": "websocket.connect"}

    middleware = app_with(await build_authenticator({"basicAuth": BASIC}))
    scope = {"type": "websocket", "path": "/ws", "headers": [], "client": ("127.0.0.1", 1)}
    await middleware(scope, receive, send)
    assert sent == [{"type": "websocket.close", "code": 1008, "reason": ""}]


@pytest.mark.kerberos
async def test_real_kerberos_round_trip_over_http(krb_realm: Any) -> None:
    import spnego

    authenticator = await build_authenticator(
        {"kerberos": {"keytabLocation": krb_realm.http_keytab}}
    )
    spnego_client = spnego.client(
        f"bob@{krb_realm.realm}", "bobpw", hostname="localhost", service="HTTP", protocol="kerberos"
    )
    header = "Negotiate " + base64.b64encode(spnego_client.step() or b"").decode()
    async for client in client_for(authenticator):
        refused = await client.get("/v1/whoami")
        response = await client.get("/v1/whoami", headers={"Authorization": header})
    assert refused.status_code == 401
    assert refused.headers.get_list("www-authenticate") == ["Negotiate"]
    assert response.json()["user"] == "bob"
    mutual = response.headers["www-authenticate"].removeprefix("Negotiate ")
    spnego_client.step(base64.b64decode(mutual))
    assert spnego_client.complete

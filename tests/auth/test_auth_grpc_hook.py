"""The grpclib hook over a real loopback socket: status codes, challenges, principal."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import pytest
from grpclib.client import Channel
from grpclib.const import Cardinality, Handler, Status
from grpclib.encoding.base import CodecBase
from grpclib.exceptions import GRPCError
from grpclib.server import Server, Stream

from armada_adapters.grpc.auth import attach_authentication, current_principal, principal
from armada_auth import AuthContext, Authenticator, AuthResult, build_authenticator
from armada_core.errors import Unavailable
from armada_core.principal import ANONYMOUS, Principal

pytestmark = pytest.mark.anyio
WHOAMI = "/armada.test.Echo/WhoAmI"
EARLY = "/armada.test.Echo/Early"
ADMIN = "basic " + base64.b64encode(b"admin:admin").decode()


class RawCodec(CodecBase):
    """Messages are bytes; declared as proto so the content type is the usual one."""

    __content_subtype__ = "proto"

    def encode(self, message: Any, message_type: Any) -> bytes:
        return bytes(message)

    def decode(self, data: bytes, message_type: Any) -> Any:
        return data


class WhoAmI:
    """A generated-free service: replies with the caller's name and peer."""

    async def whoami(self, stream: Stream[bytes, bytes]) -> None:
        await stream.recv_message()
        await stream.send_message(principal().name.encode())

    async def early(self, stream: Stream[bytes, bytes]) -> None:
        await stream.send_initial_metadata(metadata={"x-request-id": "r1"})
        await self.whoami(stream)

    def __mapping__(self) -> dict[str, Handler]:
        return {
            WHOAMI: Handler(self.whoami, Cardinality.UNARY_UNARY, bytes, bytes),
            EARLY: Handler(self.early, Cardinality.UNARY_UNARY, bytes, bytes),
        }


class Mutual:
    """A backend that succeeds with a mutual token, or fails as configured."""

    name, order = "Mutual", 1

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.peers: list[str | None] = []

    async def authenticate(self, authorization: str | None, ctx: AuthContext) -> AuthResult:
        self.peers.append(ctx.peer)
        if self.error:
            raise self.error
        return AuthResult(Principal("kerb", "Kerberos"), (("www-authenticate", "Negotiate b2s="),))


async def serve(authenticator: Authenticator) -> AsyncIterator[Channel]:
    server = Server([WhoAmI()], codec=RawCodec())
    attach_authentication(server, authenticator)
    await server.start("127.0.0.1", 0)
    port = server._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    channel = Channel("127.0.0.1", port, codec=RawCodec())
    try:
        yield channel
    finally:
        channel.close()
        server.close()
        await server.wait_closed()


async def call(
    channel: Channel, authorization: str | None = None, method: str = WHOAMI
) -> tuple[bytes, Any, Any]:
    metadata = {"authorization": authorization} if authorization else None
    async with channel.request(
        method, Cardinality.UNARY_UNARY, bytes, bytes, metadata=metadata
    ) as stream:
        await stream.send_message(b"", end=True)
        try:
            reply = await stream.recv_message()
        finally:
            trailing = stream.trailing_metadata
        return reply or b"", stream.initial_metadata, trailing


@pytest.fixture
async def basic_channel() -> AsyncIterator[Channel]:
    authenticator = await build_authenticator(
        {"basicAuth": {"users": {"admin": {"password": "admin"}}}}
    )
    async for channel in serve(authenticator):
        yield channel


async def test_valid_credentials_reach_the_handler(basic_channel: Channel) -> None:
    reply, _, _ = await call(basic_channel, ADMIN)
    assert reply == b"admin"


async def test_no_credentials_is_unauthenticated_with_challenge(basic_channel: Channel) -> None:
    with pytest.raises(GRPCError) as caught:
        await call(basic_channel)
    assert caught.value.status is Status.UNAUTHENTICATED
    assert "any of the supported schemes" in (caught.value.message or "")


async def test_challenge_metadata_on_the_trailers_only_answer(basic_channel: Channel) -> None:
    async with basic_channel.request(WHOAMI, Cardinality.UNARY_UNARY, bytes, bytes) as stream:
        await stream.send_message(b"", end=True)
        with pytest.raises(GRPCError):
            await stream.recv_message()
        assert stream.trailing_metadata is not None
        assert stream.trailing_metadata.get("www-authenticate") == 'Basic realm="armada"'


@pytest.mark.parametrize(
    "header",
    [
        "basic !!!",
        "basic " + base64.b64encode(b"nocolon").decode(),
        "basic " + base64.b64encode(b"admin:nope").decode(),
    ],
)
async def test_bad_credentials_are_unauthenticated(basic_channel: Channel, header: str) -> None:
    with pytest.raises(GRPCError) as caught:
        await call(basic_channel, header)
    assert caught.value.status is Status.UNAUTHENTICATED
    assert (caught.value.message or "").startswith("Invalid credentials presented")


async def test_mutual_token_in_initial_metadata_and_peer_address() -> None:
    backend = Mutual()
    async for channel in serve(Authenticator([backend])):
        reply, initial, _ = await call(channel, "Negotiate abc")
    assert reply == b"kerb"
    assert initial.get("www-authenticate") == "Negotiate b2s="
    assert backend.peers == ["127.0.0.1"]


async def test_mutual_token_joins_initial_metadata_the_handler_sends() -> None:
    async for channel in serve(Authenticator([Mutual()])):
        reply, initial, _ = await call(channel, "Negotiate abc", EARLY)
        _, plain, _ = await call(channel, "Negotiate abc")
    assert reply == b"kerb"
    assert initial.get("x-request-id") == "r1"
    assert initial.get("www-authenticate") == "Negotiate b2s="
    assert plain.get("www-authenticate") == "Negotiate b2s="


async def test_unavailable_provider_is_unavailable() -> None:
    async for channel in serve(Authenticator([Mutual(Unavailable("idp down"))])):
        with pytest.raises(GRPCError) as caught:
            await call(channel, "bearer x")
    assert caught.value.status is Status.UNAVAILABLE
    assert caught.value.message == "idp down"


async def test_unexpected_error_is_internal_without_details(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async for channel in serve(Authenticator([Mutual(RuntimeError("secret detail"))])):
        with pytest.raises(GRPCError) as caught:
            await call(channel, "bearer x")
    assert caught.value.status is Status.INTERNAL
    assert "secret detail" not in (caught.value.message or "")
    assert "authentication of /armada.test.Echo/WhoAmI failed unexpectedly" in caplog.text


def test_principal_outside_an_rpc_is_anonymous() -> None:
    assert current_principal.get() is None
    assert principal() == ANONYMOUS


@pytest.mark.kerberos
async def test_real_kerberos_over_grpc(krb_realm: Any) -> None:
    import spnego

    authenticator = await build_authenticator(
        {"kerberos": {"keytabLocation": krb_realm.http_keytab}}
    )
    client = spnego.client(
        f"bob@{krb_realm.realm}", "bobpw", hostname="localhost", service="HTTP", protocol="kerberos"
    )
    header = "Negotiate " + base64.b64encode(client.step() or b"").decode()
    async for channel in serve(authenticator):
        reply, initial, _ = await call(channel, header)
        with pytest.raises(GRPCError) as replayed:
            await call(channel, header)
        async with channel.request(WHOAMI, Cardinality.UNARY_UNARY, bytes, bytes) as stream:
            await stream.send_message(b"", end=True)
            with pytest.raises(GRPCError) as missing:
                await stream.recv_message()
            challenge = stream.trailing_metadata
    assert reply == b"bob"
    client.step(base64.b64decode(initial["www-authenticate"].removeprefix("Negotiate ")))
    assert client.complete
    assert replayed.value.status is Status.UNAUTHENTICATED
    assert missing.value.status is Status.UNAUTHENTICATED
    assert challenge is not None and challenge.get("www-authenticate") == "Negotiate"

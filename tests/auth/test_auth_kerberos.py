"""Kerberos/SPNEGO: unit tests with a fake acceptor, then a real MIT KDC (auth.md 8-9)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest

from armada_auth import AuthContext, InvalidCredentials, MissingCredentials, build_authenticator
from armada_auth.config import KerberosConfig
from armada_auth.kerberos import AcceptIncomplete, KerberosBackend, host_based_name

pytestmark = pytest.mark.anyio
CTX = AuthContext(peer="127.0.0.1")
NEGOTIATE = ("www-authenticate", "Negotiate")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class FakeAcceptor:
    """Accepts the token b"good" as `alice@ARMADA.TEST`; records what it saw."""

    def __init__(self, outcome: Callable[[bytes], tuple[str, bytes | None]] | None = None) -> None:
        self.seen: list[bytes] = []
        self.outcome = outcome or (lambda token: ("alice@ARMADA.TEST", b"mutual"))

    def __call__(self, token: bytes) -> tuple[str, bytes | None]:
        self.seen.append(token)
        if token != b"good":
            raise ValueError("not a token")
        return self.outcome(token)


def backend(acceptor: Any = None, **settings: Any) -> KerberosBackend:
    config = KerberosConfig(keytab_location="/unused", **settings)
    return KerberosBackend(config, acceptor or FakeAcceptor())


@pytest.mark.parametrize("header", [None, "Negotiate", "Basic YTpi", "Bearer x"])
async def test_no_negotiate_header_is_missing_with_the_challenge(header: str | None) -> None:
    with pytest.raises(MissingCredentials) as caught:
        await backend().authenticate(header, CTX)
    assert caught.value.headers == (NEGOTIATE,)


@pytest.mark.parametrize("header", ["Negotiate ", "Negotiate !!!", "Negotiate  " + b64(b"good")])
async def test_empty_or_bad_base64_never_reaches_the_acceptor(header: str) -> None:
    acceptor = FakeAcceptor()
    with pytest.raises(InvalidCredentials) as caught:
        await backend(acceptor).authenticate(header, CTX)
    assert caught.value.headers == (NEGOTIATE,)
    assert acceptor.seen == []


@pytest.mark.parametrize("error", [ValueError("x"), AttributeError("flags"), AcceptIncomplete()])
async def test_every_acceptor_exception_is_invalid(error: Exception) -> None:
    def fail(token: bytes) -> tuple[str, bytes | None]:
        raise error

    with pytest.raises(InvalidCredentials, match="SPNEGO token was not accepted"):
        await backend(fail).authenticate("Negotiate " + b64(b"tok"), CTX)


async def test_success_maps_name_groups_and_mutual_token() -> None:
    chosen = backend(
        user_name_suffix="@corp",
        group_name_suffix="-krb",
        groups={"alice@corp": ("admins",)},
    )
    result = await chosen.authenticate("negotiate " + b64(b"good"), CTX)
    assert (result.principal.name, result.principal.auth_method) == ("alice@corp", "Kerberos")
    assert result.principal.sorted_groups == ["admins-krb", "everyone"]
    assert result.response_headers == (("www-authenticate", "Negotiate " + b64(b"mutual")),)


async def test_mutual_token_can_be_switched_off() -> None:
    result = await backend(send_mutual_auth_token=False).authenticate(
        "Negotiate " + b64(b"good"), CTX
    )
    assert result.response_headers == ()


async def test_realm_allow_list() -> None:
    with pytest.raises(InvalidCredentials, match=r"realm 'ARMADA\.TEST' is not allowed"):
        await backend(allowed_realms=("CORP.EXAMPLE",)).authenticate(
            "Negotiate " + b64(b"good"), CTX
        )


@pytest.mark.parametrize(
    ("configured", "expected"),
    [("HTTP/localhost@ARMADA.TEST", "HTTP@localhost"), ("HTTP/h", "HTTP@h"), ("HTTP@h", "HTTP@h")],
)
def test_principal_name_forms(configured: str, expected: str) -> None:
    assert host_based_name(configured) == expected


# --- against a real KDC ---------------------------------------------------------------


def client_header(realm: Any, host: str = "localhost") -> tuple[Any, str]:
    import spnego

    client = spnego.client(
        f"bob@{realm.realm}", "bobpw", hostname=host, service="HTTP", protocol="kerberos"
    )
    return client, "Negotiate " + b64(client.step() or b"")


async def krb_chain(realm: Any, **section: Any) -> Any:
    config = {"keytabLocation": realm.http_keytab, "groups": {"bob": ["builders"]}, **section}
    return await build_authenticator({"kerberos": config})


@pytest.mark.kerberos
async def test_real_ticket_is_accepted_and_mutual_token_verifies(krb_realm: Any) -> None:
    chain = await krb_chain(krb_realm)
    client, header = client_header(krb_realm)
    result = await chain.authenticate(header, CTX)
    assert result.principal.name == "bob"
    assert result.principal.sorted_groups == ["builders", "everyone"]
    ((name, value),) = result.response_headers
    assert name == "www-authenticate" and value.startswith("Negotiate ")
    client.step(base64.b64decode(value.removeprefix("Negotiate ")))
    assert client.complete


@pytest.mark.kerberos
async def test_ccache_client_from_the_fixture_kinit(krb_realm: Any) -> None:
    import spnego

    chain = await krb_chain(krb_realm)
    client = spnego.client(hostname="localhost", service="HTTP")
    result = await chain.authenticate("Negotiate " + b64(client.step() or b""), CTX)
    assert result.principal.name == "user"


@pytest.mark.kerberos
async def test_no_header_gets_the_negotiate_challenge(krb_realm: Any) -> None:
    chain = await krb_chain(krb_realm)
    with pytest.raises(InvalidCredentials) as invalid:
        await chain.authenticate("Negotiate " + b64(b"\x60\x03garbage"), CTX)
    assert invalid.value.headers == (NEGOTIATE,)
    with pytest.raises(InvalidCredentials):
        await chain.authenticate("Negotiate ", CTX)
    with pytest.raises(InvalidCredentials):
        await chain.authenticate("Negotiate bm90IGFzbjE=", CTX)  # "not asn1"
    from armada_core.errors import Unauthenticated

    with pytest.raises(Unauthenticated) as missing:
        await chain.authenticate(None, CTX)
    assert missing.value.headers == (NEGOTIATE,)


@pytest.mark.kerberos
async def test_replayed_token_is_refused(krb_realm: Any) -> None:
    chain = await krb_chain(krb_realm)
    _, header = client_header(krb_realm)
    assert await chain.authenticate(header, CTX)
    with pytest.raises(InvalidCredentials):
        await chain.authenticate(header, CTX)


@pytest.mark.kerberos
async def test_pinned_principal_refuses_tickets_for_another_service(krb_realm: Any) -> None:
    open_chain = await krb_chain(krb_realm)
    _, other = client_header(krb_realm, host="otherhost")
    assert (await open_chain.authenticate(other, CTX)).principal.name == "bob"
    pinned = await krb_chain(krb_realm, principalName=f"HTTP/localhost@{krb_realm.realm}")
    _, other = client_header(krb_realm, host="otherhost")
    with pytest.raises(InvalidCredentials):
        await pinned.authenticate(other, CTX)
    _, mine = client_header(krb_realm)
    assert (await pinned.authenticate(mine, CTX)).principal.name == "bob"


@pytest.mark.kerberos
async def test_pinned_principal_missing_from_the_keytab_fails_at_start(krb_realm: Any) -> None:
    from armada_auth import ConfigError

    with pytest.raises(ConfigError, match="unusable"):
        await krb_chain(krb_realm, principalName=f"HTTP/nothere@{krb_realm.realm}")

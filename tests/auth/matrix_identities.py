"""Credentials for the auth matrix: Basic headers, the fake OpenID provider, SPNEGO tickets.

The identity provider and its tokens are those of `test_auth_openid` (discovery and
JWKS served from an `httpx.MockTransport`, tokens valid at its fixed `NOW`), injected
into `build_authenticator` as the `openIdAuth` factory with that client and clock.
Kerberos tickets come from the real KDC of the `krb_realm` session fixture.
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from joserfc.jwk import RSAKey
from test_auth_openid import ISSUER, K1, NOW, FakeProvider, token

from armada_auth import Factory
from armada_auth.openid import from_config as openid_from_config

OPENID_SECTION = {"providerUrl": ISSUER, "clientId": "armada-server", "groupsClaim": "groups"}
OPENID_USER = "alice"  # the `sub` of test_auth_openid's default claims


def b64(data: bytes) -> str:
    """Standard base64 as text."""
    return base64.b64encode(data).decode()


def basic(user: str, password: str) -> str:
    """An `authorization` value for HTTP Basic."""
    return "Basic " + b64(f"{user}:{password}".encode())


@asynccontextmanager
async def fake_idp() -> AsyncIterator[dict[str, Factory]]:
    """`plugins=` for `build_authenticator`: OpenID against the in-process provider."""
    provider = FakeProvider([K1])
    client = httpx.AsyncClient(transport=httpx.MockTransport(provider.handle))
    try:
        yield {"openIdAuth": functools.partial(openid_from_config, http_client=client, now=_now)}
    finally:
        await client.aclose()


def _now() -> float:
    return NOW


def bearer(**claims: Any) -> str:
    """A token signed by the provider's key; `claims` override the defaults."""
    return token(**claims)


@functools.cache
def _rogue_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "rogue", "alg": "RS256"}, private=True)


def unsigned_jwt() -> str:
    """`alg: none` with plausible claims, which must be refused before any key is used."""
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none"}).encode()).rstrip(b"=")
    claims = {"iss": ISSUER, "aud": "armada-server", "sub": "mallory", "exp": NOW + 60}
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    return "Bearer " + (header + b"." + payload + b".").decode()


def bearer_from_unknown_key() -> str:
    """A well-formed token with valid claims, signed by a key the provider never published."""
    return token(key=_rogue_key())


def spnego(realm: Any, host: str = "localhost") -> tuple[Any, str]:
    """A fresh SPNEGO client for `bob` and its first token as an `authorization` value."""
    import spnego as spnego_lib  # the kerberos extra; only imported once the KDC is there

    client = spnego_lib.client(
        f"bob@{realm.realm}", "bobpw", hostname=host, service="HTTP", protocol="kerberos"
    )
    return client, "Negotiate " + b64(client.step() or b"")


def kerberos_section(realm: Any) -> dict[str, Any]:
    """`auth.kerberos` accepting only `HTTP/localhost` (so `otherhost` is the wrong service)."""
    return {
        "keytabLocation": realm.http_keytab,
        "principalName": f"HTTP/localhost@{realm.realm}",
        "groups": {"bob": ["builders"]},
    }

"""OpenID bearer tokens (auth.md 4.3 and 10) against a fake provider served in process."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, OctKey, RSAKey

from armada_auth import AuthContext, InvalidCredentials, MissingCredentials
from armada_auth.config import ConfigError, OpenIdConfig
from armada_auth.openid import OpenIdBackend, from_config

pytestmark = pytest.mark.anyio
ISSUER = "http://idp.test/realms/armada"
NOW = 1_800_000_000.0
CTX = AuthContext()
K1 = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256"})
K2 = RSAKey.generate_key(2048, parameters={"kid": "k2", "alg": "RS256"})
EC = ECKey.generate_key("P-256", parameters={"kid": "e1"})


class FakeProvider:
    """Discovery + JWKS endpoints; counts JWKS downloads."""

    def __init__(self, keys: list[Any], issuer: str = ISSUER) -> None:
        self.keys, self.issuer, self.jwks_hits, self.down = keys, issuer, 0, False
        self.algs: list[str] = ["RS256", "ES256", "HS256"]

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            return httpx.Response(503)
        if request.url.path == "/realms/armada/.well-known/openid-configuration":
            return httpx.Response(200, json=self.discovery())
        if request.url.path == "/realms/armada/certs":
            self.jwks_hits += 1
            return httpx.Response(200, json=KeySet(self.keys).as_dict(private=False))
        return httpx.Response(404)

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "jwks_uri": "http://idp.test/realms/armada/certs",
            "id_token_signing_alg_values_supported": self.algs,
        }


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def provider() -> FakeProvider:
    return FakeProvider([K1])


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def started(
    provider: FakeProvider, clock: Clock, **overrides: Any
) -> AsyncIterator[OpenIdBackend]:
    settings: dict[str, Any] = {
        "provider_url": ISSUER,
        "client_id": "armada-server",
        "groups_claim": "groups",
    }
    settings.update(overrides)
    client = httpx.AsyncClient(transport=httpx.MockTransport(provider.handle))
    backend = OpenIdBackend(OpenIdConfig(**settings), http_client=client, now=clock)
    await backend.start()
    yield backend
    await backend.aclose()
    await client.aclose()


@pytest.fixture
async def backend(provider: FakeProvider, clock: Clock) -> AsyncIterator[OpenIdBackend]:
    async for value in started(provider, clock):
        yield value


def claims(**overrides: Any) -> dict[str, Any]:
    base = {
        "iss": ISSUER,
        "aud": ["armada-server", "account"],
        "sub": "alice",
        "exp": NOW + 300,
        "iat": NOW,
        "scope": "openid submit_jobs",
        "groups": ["admins", "devs"],
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def token(key: Any = K1, alg: str = "RS256", **claim_overrides: Any) -> str:
    header = {"alg": alg, "kid": key.kid} if key.kid else {"alg": alg}
    return "Bearer " + jwt.encode(header, claims(**claim_overrides), key)


async def test_valid_token_gives_name_groups_scopes_claims(backend: OpenIdBackend) -> None:
    principal = (await backend.authenticate(token(), CTX)).principal
    assert (principal.name, principal.auth_method) == ("alice", "OIDC")
    assert principal.sorted_groups == ["admins", "devs", "everyone"]
    assert principal.scopes == {"openid", "submit_jobs"}
    assert principal.claims == {"iss", "aud", "sub", "exp", "iat", "scope", "groups"}


async def test_scheme_is_case_insensitive_and_aud_may_be_a_string(backend: OpenIdBackend) -> None:
    value = token(aud="armada-server").replace("Bearer", "BEARER", 1)
    assert (await backend.authenticate(value, CTX)).principal.name == "alice"


@pytest.mark.parametrize("header", [None, "Basic YTpi", "Bearer", "Negotiate abc"])
async def test_other_schemes_are_missing(backend: OpenIdBackend, header: str | None) -> None:
    with pytest.raises(MissingCredentials) as caught:
        await backend.authenticate(header, CTX)
    assert caught.value.headers == (("www-authenticate", "Bearer"),)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"exp": NOW - 1}, "expired"),
        ({"exp": None}, "no valid expiry"),
        ({"exp": "soon"}, "no valid expiry"),
        ({"aud": "someone-else"}, "expected audience"),
        ({"aud": None}, "expected audience"),
        ({"iss": "http://evil.test"}, "different provider"),
        ({"nbf": NOW + 301}, "nbf"),
    ],
)
async def test_claim_failures(
    backend: OpenIdBackend, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidCredentials, match=message) as caught:
        await backend.authenticate(token(**overrides), CTX)
    assert caught.value.headers == (("www-authenticate", "Bearer"),)


async def test_exp_equal_now_and_nbf_within_leeway_pass(backend: OpenIdBackend) -> None:
    assert await backend.authenticate(token(exp=NOW, nbf=NOW + 299), CTX)


@pytest.mark.parametrize(
    "value",
    [
        "Bearer ",
        "Bearer garbage",
        "Bearer a.b",
        "Bearer !!!.e30.sig",
        "Bearer W10.e30.sig",  # header is a JSON array
        "Bearer " + base64.urlsafe_b64encode(b'{"alg":"none"}').decode().rstrip("=") + ".e30.",
    ],
)
async def test_garbage_tokens_are_invalid(backend: OpenIdBackend, value: str) -> None:
    with pytest.raises(InvalidCredentials):
        await backend.authenticate(value, CTX)


async def test_hs256_signed_with_the_public_key_is_refused(backend: OpenIdBackend) -> None:
    public = OctKey.import_key(json.dumps(K1.as_dict(private=False)).encode())
    forged = jwt.encode({"alg": "HS256", "kid": "k1"}, claims(), public)
    with pytest.raises(InvalidCredentials, match="unsupported algorithm 'HS256'"):
        await backend.authenticate("Bearer " + forged, CTX)


async def test_algorithm_not_advertised_is_refused(provider: FakeProvider, clock: Clock) -> None:
    provider.algs = ["RS256"]
    provider.keys = [K1, EC]
    async for backend in started(provider, clock):
        with pytest.raises(InvalidCredentials, match="ES256"):
            await backend.authenticate(token(EC, "ES256"), CTX)


async def test_ec_keys_and_tokens_without_kid(provider: FakeProvider, clock: Clock) -> None:
    provider.keys = [K1, EC]
    async for backend in started(provider, clock):
        assert await backend.authenticate(token(EC, "ES256"), CTX)
        bare = jwt.encode({"alg": "RS256"}, claims(), K1)
        assert (await backend.authenticate("Bearer " + bare, CTX)).principal.name == "alice"


async def test_foreign_key_with_known_kid_is_refused(
    backend: OpenIdBackend, provider: FakeProvider, clock: Clock
) -> None:
    impostor = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    clock.now += 60
    with pytest.raises(InvalidCredentials, match="failed to verify signature"):
        await backend.authenticate(token(impostor), CTX)
    assert provider.jwks_hits == 2  # start-up + one refetch


@pytest.mark.parametrize("groups", ["admins", {"a": 1}, ["a", 1], None])
async def test_non_list_groups_claim_gives_no_groups(backend: OpenIdBackend, groups: Any) -> None:
    principal = (await backend.authenticate(token(groups=groups), CTX)).principal
    assert principal.groups == {"everyone"}


async def test_rotation_refetches_once_then_uses_the_cache(
    backend: OpenIdBackend, provider: FakeProvider, clock: Clock
) -> None:
    assert provider.jwks_hits == 1
    provider.keys = [K1, K2]
    clock.now += 31
    for _ in range(3):
        assert (await backend.authenticate(token(K2), CTX)).principal.name == "alice"
    assert provider.jwks_hits == 2


async def test_refetch_is_throttled(
    backend: OpenIdBackend, provider: FakeProvider, clock: Clock
) -> None:
    provider.keys = [K1, K2]
    clock.now += 5  # inside the 30 s minimum interval since start-up
    with pytest.raises(InvalidCredentials):
        await backend.authenticate(token(K2), CTX)
    assert provider.jwks_hits == 1
    clock.now += 30
    assert await backend.authenticate(token(K2), CTX)
    unknown = RSAKey.generate_key(2048, parameters={"kid": "k9"})
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            await backend.authenticate(token(unknown), CTX)
    assert provider.jwks_hits == 2


async def test_concurrent_misses_share_one_download(
    backend: OpenIdBackend, provider: FakeProvider, clock: Clock
) -> None:
    import anyio

    provider.keys = [K1, K2]
    clock.now += 31
    names: list[str] = []

    async def one() -> None:
        names.append((await backend.authenticate(token(K2), CTX)).principal.name)

    async with anyio.create_task_group() as group:
        for _ in range(5):
            group.start_soon(one)
    assert names == ["alice"] * 5
    assert provider.jwks_hits == 2


async def test_provider_down_during_refetch_is_invalid(
    backend: OpenIdBackend, provider: FakeProvider, clock: Clock
) -> None:
    provider.down = True
    clock.now += 31
    with pytest.raises(InvalidCredentials, match="fetching keys"):
        await backend.authenticate(token(K2), CTX)


async def test_skip_client_id_check(provider: FakeProvider, clock: Clock) -> None:
    async for backend in started(provider, clock, client_id="", skip_client_id_check=True):
        assert await backend.authenticate(token(aud="whatever"), CTX)


@pytest.mark.parametrize("issuer", [ISSUER + "/", "http://other.test/realms/armada"])
async def test_discovery_issuer_must_match_exactly(
    provider: FakeProvider, clock: Clock, issuer: str
) -> None:
    provider.issuer = issuer
    with pytest.raises(ConfigError, match="does not equal providerUrl"):
        async for _ in started(provider, clock):
            pass


async def test_unreachable_provider_aborts_start(provider: FakeProvider, clock: Clock) -> None:
    provider.down = True
    with pytest.raises(ConfigError, match="OpenID provider"):
        async for _ in started(provider, clock):
            pass


async def test_static_jwks_file_needs_no_network(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(KeySet([K1]).as_dict(private=False)))
    backend = from_config(
        {"providerUrl": ISSUER, "clientId": "armada-server", "jwksFile": str(path)}, {}, now=clock
    )
    assert backend is not None
    await backend.start()
    assert (await backend.authenticate(token(), CTX)).principal.name == "alice"
    with pytest.raises(InvalidCredentials):
        await backend.authenticate(token(K2), CTX)
    await backend.aclose()


@pytest.mark.parametrize("content", ["not json", '{"keys": []}', '{"keys": [{"kty": "oct"}]}'])
async def test_unusable_jwks_file_is_a_config_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(content)
    backend = from_config({"providerUrl": ISSUER, "clientId": "c", "jwksFile": str(path)}, {})
    assert backend is not None
    with pytest.raises(ConfigError, match="jwksFile"):
        await backend.start()


def test_client_id_required_unless_skipped() -> None:
    with pytest.raises(ConfigError, match="clientId must be set"):
        from_config({"providerUrl": ISSUER}, {})
    assert from_config({"providerUrl": ""}, {}) is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(st.sampled_from(["alg", "kid", "crit", "typ", "b64", "zip"]), json_values),
    st.text(max_size=30),
)
def test_fuzzed_headers_and_signatures_are_invalid_never_a_crash(
    header: dict[str, Any], tail: str
) -> None:
    """Decision #13: whatever the token holds, the answer is invalid credentials."""
    import anyio

    segment = base64.urlsafe_b64encode(json.dumps(header).encode()).decode().rstrip("=")
    payload = base64.urlsafe_b64encode(json.dumps(claims()).encode()).decode().rstrip("=")

    async def run() -> None:
        async for backend in started(FakeProvider([K1]), Clock()):
            with pytest.raises(InvalidCredentials):
                await backend.authenticate(f"Bearer {segment}.{payload}.{tail}", CTX)

    anyio.run(run)

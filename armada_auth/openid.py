"""OpenID Connect bearer tokens (`authorization: bearer <JWT>`), verified with joserfc.

Enabled by `auth.openIdAuth.providerUrl`. At start-up the discovery document
`<providerUrl>/.well-known/openid-configuration` is fetched; its `issuer` must equal
`providerUrl` exactly, and its `jwks_uri` key set is loaded (or, offline, a static
`jwksFile`). Per token, as Armada/go-oidc (`auth.md` 4.3): the header `alg` must be an
RS/PS/ES algorithm the provider advertises (never `none` or HS*), the signature must
verify with a key of the token's `kid` (unknown kid → one throttled JWKS refetch),
`iss` must match, `aud` must contain `clientId` unless `skipClientIDCheck`, `exp` is
required (no leeway), `nbf` gets five minutes of leeway.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from collections.abc import Mapping
from typing import Any

import anyio
import httpx
from joserfc import jwt
from joserfc.errors import BadSignatureError, JoseError, KeyParameterError

from armada_auth._jwks import Clock, KeyStore
from armada_auth.base import (
    WWW_AUTHENTICATE,
    AuthContext,
    AuthResult,
    Headers,
    InvalidCredentials,
    credentials_for,
)
from armada_auth.config import ConfigError, OpenIdConfig, parse_openid
from armada_core.principal import Principal

logger = logging.getLogger(__name__)

SERVICE = "OIDC"
CHALLENGE: Headers = ((WWW_AUTHENTICATE, "Bearer"),)
ASYMMETRIC_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
)
NBF_LEEWAY_SECONDS = 300
HTTP_TIMEOUT_SECONDS = 10.0


class _NoKeyVerified(Exception):
    """No candidate key verified the signature (maybe the keys rotated)."""


class OpenIdBackend:
    """Verifies bearer JWTs issued by one OpenID provider."""

    name = SERVICE
    order = 30

    def __init__(
        self,
        config: OpenIdConfig,
        *,
        http_client: httpx.AsyncClient | None = None,
        now: Clock = time.time,
    ) -> None:
        self._config = config
        self._client = http_client
        self._owns_client = http_client is None
        self._now = now
        self._issuer = config.provider_url
        self._algorithms: list[str] = list(ASYMMETRIC_ALGORITHMS)
        self._jwks_uri = ""
        fetch = None if config.jwks_file else self._fetch_jwks
        self._keys = KeyStore(fetch, min_interval=config.jwks_min_refresh_seconds, now=now)

    async def start(self) -> None:
        """Discover the provider and load its keys; `ConfigError` if that fails."""
        if self._config.jwks_file:
            await self._load_jwks_file(self._config.jwks_file)
            return
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS)
        try:
            await self._discover()
            await self._keys.load()
        except (httpx.HTTPError, ValueError) as exc:
            raise ConfigError(f"OpenID provider {self._issuer}: {exc}") from None

    async def aclose(self) -> None:
        """Close the HTTP client if this backend created it."""
        if self._client is not None and self._owns_client:
            await self._client.aclose()
            self._client = None

    async def authenticate(self, authorization: str | None, ctx: AuthContext) -> AuthResult:
        """Authenticate a `bearer` header; other schemes are missing credentials."""
        token = credentials_for("bearer", authorization, SERVICE, CHALLENGE)
        header = _read_header(token)
        alg = header.get("alg")
        if alg not in self._algorithms:
            raise _invalid(f"id token signed with unsupported algorithm {alg!r}")
        claims = await self._verify_signature(token, alg, header.get("kid"))
        self._check_claims(claims)
        return AuthResult(principal_from_claims(claims, self._config.groups_claim))

    async def _load_jwks_file(self, path: str) -> None:
        try:
            self._keys.set_document(json.loads(await anyio.Path(path).read_text()))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"auth.openIdAuth.jwksFile {path}: {exc}") from None
        if not self._keys.candidates(None):
            raise ConfigError(f"auth.openIdAuth.jwksFile {path} holds no usable RSA or EC key")

    async def _discover(self) -> None:
        url = self._issuer.rstrip("/") + "/.well-known/openid-configuration"
        document = await self._get_json(url)
        issuer = document.get("issuer")
        if issuer != self._issuer:
            raise ValueError(f"discovery issuer {issuer!r} does not equal providerUrl")
        jwks_uri = document.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri:
            raise ValueError("discovery document has no jwks_uri")
        self._jwks_uri = jwks_uri
        self._algorithms = supported_algorithms(document)

    async def _fetch_jwks(self) -> Any:
        return await self._get_json(self._jwks_uri)

    async def _get_json(self, url: str) -> Any:
        if self._client is None:
            raise RuntimeError("OpenIdBackend.start() was not awaited")
        response = await self._client.get(url)
        response.raise_for_status()
        document = response.json()
        if not isinstance(document, dict):
            raise ValueError(f"{url} did not return a JSON object")
        return document

    async def _verify_signature(self, token: str, alg: str, kid: Any) -> dict[str, Any]:
        kid = kid if isinstance(kid, str) else None
        try:
            return self._try_keys(token, alg, kid)
        except _NoKeyVerified:
            pass
        try:
            refreshed = await self._keys.refresh()
        except (httpx.HTTPError, ValueError) as exc:
            raise _invalid(f"failed to verify signature: fetching keys: {exc}") from None
        if refreshed:
            try:
                return self._try_keys(token, alg, kid)
            except _NoKeyVerified:
                pass
        raise _invalid("failed to verify signature: no key of the provider verifies the token")

    def _try_keys(self, token: str, alg: str, kid: str | None) -> dict[str, Any]:
        for key in self._keys.candidates(kid):
            try:
                claims = jwt.decode(token, key, algorithms=[alg]).claims
            except (BadSignatureError, KeyParameterError):
                continue
            except JoseError as exc:
                raise _invalid(f"malformed jwt: {exc.error}") from None
            except (ValueError, TypeError):
                raise _invalid("malformed jwt") from None
            if not isinstance(claims, dict):
                raise _invalid("malformed jwt: payload is not a JSON object")
            return claims
        raise _NoKeyVerified

    def _check_claims(self, claims: Mapping[str, Any]) -> None:
        if claims.get("iss") != self._issuer:
            raise _invalid(f"id token issued by a different provider, expected {self._issuer!r}")
        if not self._config.skip_client_id_check:
            _check_audience(claims.get("aud"), self._config.client_id)
        _check_times(claims, self._now())


def supported_algorithms(discovery: Mapping[str, Any]) -> list[str]:
    """Advertised signing algorithms we accept (asymmetric only); RS256 if none."""
    advertised = discovery.get("id_token_signing_alg_values_supported")
    if not isinstance(advertised, list):
        return ["RS256"]
    return [alg for alg in ASYMMETRIC_ALGORITHMS if alg in advertised] or ["RS256"]


def principal_from_claims(claims: Mapping[str, Any], groups_claim: str) -> Principal:
    """name = `sub`; groups = the top-level `groups_claim` list; scopes = `scope` words."""
    sub = claims.get("sub")
    groups = claims.get(groups_claim) if groups_claim else None
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        groups = []
    scope = claims.get("scope")
    scopes = [s for s in scope.split(" ") if s] if isinstance(scope, str) else []
    name = sub if isinstance(sub, str) else ""
    return Principal(name, SERVICE, frozenset(groups), frozenset(scopes), frozenset(claims))


def _read_header(token: str) -> dict[str, Any]:
    segments = token.split(".")
    if len(segments) != 3:
        raise _invalid("malformed jwt: expected 3 parts")
    try:
        raw = base64.urlsafe_b64decode(segments[0] + "=" * (-len(segments[0]) % 4))
        header = json.loads(raw)
    except (binascii.Error, ValueError):
        raise _invalid("malformed jwt: header is not base64url JSON") from None
    if not isinstance(header, dict):
        raise _invalid("malformed jwt: header is not a JSON object")
    return header


def _check_audience(aud: Any, client_id: str) -> None:
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if client_id not in audiences:
        raise _invalid(f"expected audience {client_id!r}")


def _check_times(claims: Mapping[str, Any], now: float) -> None:
    exp = _number(claims.get("exp"))
    if exp is None:
        raise _invalid("token has no valid expiry (exp)")
    if now > exp:
        raise _invalid("token is expired")
    if "nbf" not in claims:
        return
    nbf = _number(claims["nbf"])
    if nbf is None or now + NBF_LEEWAY_SECONDS < nbf:
        raise _invalid("current time is before the nbf (not before) time")


def _number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def _invalid(detail: str) -> InvalidCredentials:
    return InvalidCredentials(SERVICE, detail, headers=CHALLENGE)


def from_config(
    section: Any,
    auth_config: Mapping[str, Any],
    *,
    http_client: httpx.AsyncClient | None = None,
    now: Clock = time.time,
) -> OpenIdBackend | None:
    """Factory for the `openIdAuth` key; `http_client`/`now` are for tests."""
    config = parse_openid(section)
    return OpenIdBackend(config, http_client=http_client, now=now) if config else None

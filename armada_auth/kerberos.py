"""Kerberos through SPNEGO (`authorization: Negotiate <base64 token>`), with pyspnego.

Enabled by `auth.kerberos.keytabLocation`. Differences from Armada (decisions A1, A3):
the user name is the ticket's client principal without `@REALM` plus
`userNameSuffix` (works with MIT and Active Directory KDCs); groups come from
`kerberos.groups` (user name → list) plus `groupNameSuffix`; on success the server's
final token is returned as `www-authenticate: Negotiate <b64>` unless
`sendMutualAuthToken: false`.

The keytab is handed to MIT Kerberos through `KRB5_KTNAME` (process-wide; pyspnego
has no keytab argument for acceptors), so one process serves one keytab. pyspnego,
gssapi and krb5 are imported lazily: without the `kerberos` extra the rest of
`armada_auth` still works. GSSAPI calls block, so they run in a worker thread.
"""

from __future__ import annotations

import base64
import binascii
import importlib
import logging
import os
from collections.abc import Callable, Mapping
from typing import Any

import anyio.to_thread

from armada_auth.base import (
    WWW_AUTHENTICATE,
    AuthContext,
    AuthResult,
    Headers,
    InvalidCredentials,
    credentials_for,
)
from armada_auth.config import ConfigError, KerberosConfig, parse_kerberos
from armada_core.principal import Principal

logger = logging.getLogger(__name__)

SERVICE = "Kerberos"
CHALLENGE: Headers = ((WWW_AUTHENTICATE, "Negotiate"),)
REQUIRED_MODULES = ("spnego", "gssapi", "krb5")

Acceptor = Callable[[bytes], "tuple[str, bytes | None]"]
"""Blocking: SPNEGO token → (client principal `user@REALM`, mutual token or None)."""


class AcceptIncomplete(Exception):
    """The acceptor wants another round trip (NTLM, multi-leg SPNEGO): refused."""


def missing_modules() -> list[str]:
    """The modules of the `kerberos` extra that cannot be imported here."""
    missing = []
    for name in REQUIRED_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


def host_based_name(principal_name: str) -> str:
    """`HTTP/host@REALM` or `HTTP/host` → `HTTP@host` (GSSAPI host-based form)."""
    if "/" not in principal_name:
        return principal_name
    service, _, host = principal_name.partition("/")
    return f"{service}@{host.partition('@')[0]}"


class SpnegoAcceptor:
    """Accepts one-round-trip SPNEGO/Kerberos tokens with pyspnego (blocking)."""

    def __init__(self, principal_name: str = "") -> None:
        self._name = host_based_name(principal_name) if principal_name else ""

    def __call__(self, token: bytes) -> tuple[str, bytes | None]:
        """Run the acceptor once; raise on anything but a complete context."""
        import spnego

        credentials = spnego.CredentialCache(username=self._name) if self._name else None
        ctx = spnego.server(protocol="negotiate", credentials=credentials)
        out = ctx.step(token)
        if not ctx.complete:
            raise AcceptIncomplete("the security context needs another round trip")
        return str(ctx.client_principal), out

    def check(self) -> None:
        """Fail if the keytab holds no usable acceptor key (blocking)."""
        import gssapi

        name = gssapi.Name(self._name, gssapi.NameType.hostbased_service) if self._name else None
        gssapi.Credentials(name=name, usage="accept")


class KerberosBackend:
    """SPNEGO acceptor with static group mapping."""

    name = SERVICE
    order = 35

    def __init__(self, config: KerberosConfig, acceptor: Acceptor | None = None) -> None:
        self._config = config
        self._custom_acceptor = acceptor is not None
        self._acceptor: Acceptor = acceptor or SpnegoAcceptor(config.principal_name)

    async def start(self) -> None:
        """Point MIT Kerberos at the keytab and check it can accept (skipped for fakes)."""
        if not self._custom_acceptor:
            await anyio.to_thread.run_sync(self._use_keytab)

    async def aclose(self) -> None:
        """Nothing to release."""

    async def authenticate(self, authorization: str | None, ctx: AuthContext) -> AuthResult:
        """Authenticate a `Negotiate` header; other schemes are missing credentials."""
        token = _decode(credentials_for("negotiate", authorization, SERVICE, CHALLENGE))
        try:
            client, mutual = await anyio.to_thread.run_sync(self._acceptor, token)
        except Exception as exc:
            logger.debug("SPNEGO token refused (peer %s): %r", ctx.peer, exc)
            raise _invalid("the SPNEGO token was not accepted") from None
        user = self._user_name(client)
        headers = self._mutual_headers(mutual)
        return AuthResult(Principal(user, SERVICE, self._groups(user)), headers)

    def _use_keytab(self) -> None:
        """Set `KRB5_KTNAME` (restored on failure) and try to acquire acceptor credentials."""
        path = self._config.keytab_location.removeprefix("FILE:")
        if not os.access(path, os.R_OK):
            raise ConfigError(f"auth.kerberos.keytabLocation {path} is not a readable file")
        previous = os.environ.get("KRB5_KTNAME")
        os.environ["KRB5_KTNAME"] = f"FILE:{path}"
        try:
            SpnegoAcceptor(self._config.principal_name).check()
        except Exception as exc:
            _restore_env("KRB5_KTNAME", previous)
            raise ConfigError(f"auth.kerberos keytab {path} is unusable: {exc}") from None

    def _user_name(self, client: str) -> str:
        user, at, realm = client.rpartition("@")
        if not at:
            user, realm = client, ""
        if self._config.allowed_realms and realm not in self._config.allowed_realms:
            raise _invalid(f"realm {realm!r} is not allowed", user=client)
        return user + self._config.user_name_suffix

    def _groups(self, user: str) -> frozenset[str]:
        suffix = self._config.group_name_suffix
        return frozenset(g + suffix for g in self._config.groups.get(user, ()))

    def _mutual_headers(self, mutual: bytes | None) -> Headers:
        if not mutual or not self._config.send_mutual_auth_token:
            return ()
        return ((WWW_AUTHENTICATE, "Negotiate " + base64.b64encode(mutual).decode()),)


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def _decode(encoded: str) -> bytes:
    try:
        token = base64.b64decode(encoded.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeError):
        raise _invalid("the Negotiate token is not valid base64") from None
    if not token:
        raise _invalid("the Negotiate token is empty")
    return token


def _invalid(detail: str, user: str | None = None) -> InvalidCredentials:
    return InvalidCredentials(SERVICE, detail, user=user, headers=CHALLENGE)


def from_config(section: Any, auth_config: Mapping[str, Any]) -> KerberosBackend | None:
    """Factory for the `kerberos` key: enabled iff `keytabLocation` is set."""
    config = parse_kerberos(section)
    if config is None:
        return None
    missing = missing_modules()
    if missing:
        raise ConfigError(
            f"auth.kerberos is configured but Python module(s) {', '.join(missing)} cannot "
            "be imported; install the kerberos extra (pyspnego[kerberos], which builds "
            "gssapi and krb5 against libkrb5-dev)"
        )
    return KerberosBackend(config)

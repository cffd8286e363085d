"""HTTP Basic authentication against the users listed under `auth.basicAuth.users`.

Header: `basic <base64(user:password)>`, scheme word in any case, standard padded
base64 (RFC 4648 section 4) with no trimming. The payload splits at the first colon,
so passwords may contain colons; a payload without a colon is invalid credentials,
never a crash (decisions.md #13). Passwords are compared in constant time; hashed
ones (`armada_auth.passwords`) are verified in a worker thread, and a successful
verification is remembered under a keyed digest so the slow hash runs once per
(user, password) and process. An unknown user costs a decoy hash of the same cost,
so the answer time does not reveal which user names exist.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import secrets
from collections.abc import Mapping
from typing import Any

import anyio.to_thread

from armada_auth.base import (
    WWW_AUTHENTICATE,
    AuthContext,
    AuthResult,
    InvalidCredentials,
    credentials_for,
)
from armada_auth.config import BasicUser, parse_basic
from armada_auth.passwords import decoy_like, is_hashed, parse_hash, plain_equal
from armada_core.principal import Principal

logger = logging.getLogger(__name__)

SERVICE = "Basic"
CHALLENGE = ((WWW_AUTHENTICATE, 'Basic realm="armada"'),)
_CACHE_LIMIT = 1024


class BasicBackend:
    """Checks user name and password against a fixed table."""

    name = SERVICE
    order = 10

    def __init__(self, users: Mapping[str, BasicUser]) -> None:
        self._users = dict(users)
        self._hashes = {
            u.name: parse_hash(u.password) for u in users.values() if is_hashed(u.password)
        }
        self._decoy = decoy_like(self._hashes.values())
        self._cache_key = secrets.token_bytes(32)
        self._verified: set[bytes] = set()

    async def authenticate(self, authorization: str | None, ctx: AuthContext) -> AuthResult:
        """Authenticate a `basic` header; other schemes are missing credentials."""
        encoded = credentials_for("basic", authorization, SERVICE, CHALLENGE)
        user, password = _decode(encoded)
        entry = self._users.get(user)
        if entry is None:
            if self._decoy is not None:
                await anyio.to_thread.run_sync(self._decoy.verify, password)
            raise _invalid("", user)
        if not await self._password_ok(entry, password):
            raise _invalid("", user)
        return AuthResult(Principal(user, SERVICE, frozenset(entry.groups)))

    async def _password_ok(self, entry: BasicUser, password: str) -> bool:
        stored = self._hashes.get(entry.name)
        if stored is None:
            return plain_equal(password, entry.password)
        key = hmac.new(self._cache_key, f"{entry.name}\0{password}".encode(), hashlib.sha256)
        if key.digest() in self._verified:
            return True
        ok = await anyio.to_thread.run_sync(stored.verify, password)
        if ok:
            self._remember(key.digest())
        return ok

    def _remember(self, digest: bytes) -> None:
        if len(self._verified) >= _CACHE_LIMIT:
            self._verified.clear()
        self._verified.add(digest)


def _decode(encoded: str) -> tuple[str, str]:
    """`base64(user:password)` → (user, password), or `InvalidCredentials`."""
    try:
        payload = base64.b64decode(encoded.encode("ascii"), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeError) as exc:
        raise _invalid(f"illegal base64 data ({exc})") from None
    user, colon, password = payload.partition(":")
    if not colon:
        raise _invalid("decoded credentials have no colon between user and password")
    return user, password


def _invalid(detail: str, user: str | None = None) -> InvalidCredentials:
    return InvalidCredentials(SERVICE, detail, user=user, headers=CHALLENGE)


def from_config(section: Any, auth_config: Mapping[str, Any]) -> BasicBackend | None:
    """Factory for the `basicAuth` key: enabled iff at least one user is listed."""
    users = parse_basic(section)
    return BasicBackend(users) if users else None

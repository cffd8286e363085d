"""Stored Basic-auth passwords: plain text or salted PBKDF2 hashes (stdlib only).

Hash format (one string, `$`-separated, base64 with padding):

    pbkdf2_sha256$<iterations>$<salt_b64>$<hash_b64>

Make one with `python -m armada_auth.hash_password`. A configured password that does
not start with `pbkdf2_sha256$` is plain text (convenient for tests, not for real
sites). Comparisons are constant-time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from armada_auth.config import ConfigError

PREFIX = "pbkdf2_sha256"
DEFAULT_ITERATIONS = 600_000
SALT_BYTES = 16


@dataclass(frozen=True, slots=True)
class PasswordHash:
    """A parsed `pbkdf2_sha256$...` value."""

    iterations: int
    salt: bytes
    digest: bytes

    def verify(self, password: str) -> bool:
        """True if `password` hashes to `digest` (slow by design: run off the loop)."""
        candidate = _pbkdf2(password, self.salt, self.iterations)
        return hmac.compare_digest(candidate, self.digest)

    def encode(self) -> str:
        """The stored form."""
        salt = base64.b64encode(self.salt).decode()
        digest = base64.b64encode(self.digest).decode()
        return f"{PREFIX}${self.iterations}${salt}${digest}"


def is_hashed(stored: str) -> bool:
    """True if `stored` claims to be a hash (then it must parse)."""
    return stored.startswith(PREFIX + "$")


def parse_hash(stored: str) -> PasswordHash:
    """Parse a stored hash or raise `ConfigError` (the text itself is not echoed)."""
    parts = stored.split("$")
    try:
        if len(parts) != 4 or parts[0] != PREFIX:
            raise ValueError("expected 4 fields")
        iterations = int(parts[1])
        salt = base64.b64decode(parts[2], validate=True)
        digest = base64.b64decode(parts[3], validate=True)
    except (ValueError, binascii.Error) as exc:
        raise ConfigError(f"malformed {PREFIX} password hash ({exc})") from None
    if iterations < 1 or not salt or not digest:
        raise ConfigError(f"malformed {PREFIX} password hash (empty field)")
    return PasswordHash(iterations, salt, digest)


def hash_password(password: str, *, iterations: int = DEFAULT_ITERATIONS) -> str:
    """Hash `password` with a fresh random salt, in the stored form."""
    salt = secrets.token_bytes(SALT_BYTES)
    return PasswordHash(iterations, salt, _pbkdf2(password, salt, iterations)).encode()


def decoy_like(hashes: Iterable[PasswordHash]) -> PasswordHash | None:
    """A hash no password matches, as slow to verify as the slowest of `hashes`.

    Verifying it for an unknown user makes "no such user" take as long as "wrong
    password", so the answer time does not tell which user names exist.
    """
    iterations = max((h.iterations for h in hashes), default=0)
    if not iterations:
        return None
    return PasswordHash(iterations, secrets.token_bytes(SALT_BYTES), secrets.token_bytes(32))


def plain_equal(given: str, stored: str) -> bool:
    """Constant-time comparison of two plain-text passwords."""
    return hmac.compare_digest(given.encode(), stored.encode())


def _pbkdf2(password: str, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)

"""The OpenID provider's signing keys: parsed once, refetched on demand, throttled.

Keys never expire on a timer. When a token names an unknown key id, or no key
verifies it, the backend calls `refresh()`: concurrent callers share one download
(a generation counter tells a waiter that someone else fetched while it waited), and
a new download starts at most once per `min_interval` seconds, so a stream of bogus
tokens cannot turn the server into a load generator against the identity provider.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, JWKRegistry, RSAKey

logger = logging.getLogger(__name__)

Key = RSAKey | ECKey
Clock = Callable[[], float]
Fetch = Callable[[], Awaitable[Any]]


def parse_key_set(document: Any) -> list[tuple[str | None, Key]]:
    """A JWK set document → usable (kid, key) pairs; unusable keys are skipped."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWK set (no 'keys' list)")
    pairs = [_import(entry) for entry in document["keys"]]
    return [pair for pair in pairs if pair is not None]


def _import(entry: Any) -> tuple[str | None, Key] | None:
    if not isinstance(entry, dict) or entry.get("kty") not in ("RSA", "EC"):
        return None
    try:
        key = JWKRegistry.import_key(entry)
    except (JoseError, ValueError, TypeError) as exc:
        logger.debug("skipping unusable JWK %r: %s", entry.get("kid"), exc)
        return None
    if not isinstance(key, (RSAKey, ECKey)):
        return None
    kid = entry.get("kid")
    return (kid if isinstance(kid, str) else None), key


class KeyStore:
    """The current key set plus a throttled, shared refresh."""

    def __init__(self, fetch: Fetch | None, *, min_interval: float, now: Clock) -> None:
        self._fetch = fetch
        self._min_interval = min_interval
        self._now = now
        self._keys: list[tuple[str | None, Key]] = []
        self._lock = anyio.Lock()
        self._generation = 0
        self._fetched_at = float("-inf")

    def set_document(self, document: Any) -> None:
        """Replace the keys with those of a JWK set document."""
        self._keys = parse_key_set(document)
        self._generation += 1

    def candidates(self, kid: str | None) -> list[Key]:
        """Keys to try: those with this `kid`, or every key when the token has none."""
        return [key for key_id, key in self._keys if kid is None or key_id == kid]

    async def load(self) -> None:
        """First download, not throttled."""
        if self._fetch is not None:
            self._fetched_at = self._now()
            self.set_document(await self._fetch())

    async def refresh(self) -> bool:
        """Download the key set again unless throttled; True if new keys may be present."""
        if self._fetch is None:
            return False
        seen = self._generation
        async with self._lock:
            if self._generation != seen:
                return True
            if self._now() - self._fetched_at < self._min_interval:
                logger.debug("JWKS refetch suppressed (min interval %ss)", self._min_interval)
                return False
            self._fetched_at = self._now()
            self.set_document(await self._fetch())
            logger.info("JWKS refetched: %d keys", len(self._keys))
            return True

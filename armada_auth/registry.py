"""From the `auth:` mapping to a started `Authenticator`.

Each key under `auth:` (matched ignoring case) names a backend factory, looked up in
this order: the explicit `plugins` mapping (tests, embedding), the built-in table
(works in a source tree that was never pip-installed), then the entry-point group
`armada.auth` (third-party plugins; a name clash with a built-in keeps the built-in).
A factory is `(section, whole_auth_config) -> backend | None` and is imported only
when its key is configured, so an optional extra (Kerberos) costs nothing unless used.
The permission mappings are not backends and are skipped here; Armada's methods
that armada-py lacks (`kubernetesAuth`) are warned about and skipped.
"""

from __future__ import annotations

import functools
import importlib.metadata
import logging
from collections.abc import Mapping
from typing import Any

from armada_auth.base import AuthBackend, Factory
from armada_auth.chain import Authenticator, close_backends
from armada_auth.config import PERMISSION_KEYS, ConfigError
from armada_config.policy import warn_unused

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "armada.auth"
BUILTIN: Mapping[str, str] = {
    "anonymousAuth": "armada_auth.anonymous:from_config",
    "basicAuth": "armada_auth.basic:from_config",
    "openIdAuth": "armada_auth.openid:from_config",
    "kerberos": "armada_auth.kerberos:from_config",
}
_BUILTIN_BY_LOWER = {name.lower(): value for name, value in BUILTIN.items()}
_SKIPPED = {key.lower() for key in PERMISSION_KEYS}
# Armada's auth methods that armada-py does not have: warned about, as the config policy says.
ARMADA_UNUSED = ("kubernetesAuth",)
_UNUSED = {key.lower() for key in ARMADA_UNUSED}


async def build_authenticator(
    auth_config: Mapping[str, Any] | None, *, plugins: Mapping[str, Factory] | None = None
) -> Authenticator:
    """Build the configured backends, run their start-up work, return the chain.

    Raises `ConfigError` (one plain line) for unusable configuration, including an
    unreachable OpenID provider.
    """
    backends = build_backends(auth_config, plugins=plugins)
    try:
        for backend in backends:
            start = getattr(backend, "start", None)
            if callable(start):
                await start()
    except BaseException:
        await close_backends(backends)
        raise
    authenticator = Authenticator(backends)
    logger.info("auth backends, in order: %s", ", ".join(b.name for b in authenticator.backends))
    return authenticator


def build_backends(
    auth_config: Mapping[str, Any] | None, *, plugins: Mapping[str, Factory] | None = None
) -> list[AuthBackend]:
    """Call the factory of every configured key; no start-up work yet."""
    if auth_config is not None and not isinstance(auth_config, Mapping):
        raise ConfigError("auth must be a mapping")
    backends, unused = [], []
    for key, section in (auth_config or {}).items():
        if str(key).lower() in _SKIPPED:
            continue
        if str(key).lower() in _UNUSED:
            unused.append(f"auth.{key}")
            continue
        backend = resolve_factory(str(key), plugins)(section, auth_config or {})
        if backend is not None:
            backends.append(_checked(str(key), backend))
    warn_unused(unused)
    if not backends:
        raise ConfigError("at least one auth method must be specified")
    return backends


def resolve_factory(key: str, plugins: Mapping[str, Factory] | None = None) -> Factory:
    """The factory for config key `key`, or `ConfigError` naming the known ones."""
    lower = key.lower()
    explicit = {name.lower(): factory for name, factory in (plugins or {}).items()}
    if lower in explicit:
        return explicit[lower]
    if lower in _BUILTIN_BY_LOWER:
        return _load(key, _BUILTIN_BY_LOWER[lower])
    entry_point = installed_entry_points().get(lower)
    if entry_point is not None:
        return _load(key, entry_point.value)
    raise ConfigError(f"unknown auth method auth.{key}; known: {', '.join(known_names(plugins))}")


def known_names(plugins: Mapping[str, Factory] | None = None) -> list[str]:
    """Every key that names a backend: built-in, installed plugins, explicit ones."""
    names = {name.lower(): name for name in BUILTIN}
    names.update((lower, ep.name) for lower, ep in installed_entry_points().items())
    names.update((name.lower(), name) for name in plugins or {})
    return sorted(names.values(), key=str.lower)


@functools.cache
def installed_entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    """Plugins of group `armada.auth` by lower-cased name, built-in names excluded.

    Scanning `sys.path` is slow, so the result is cached for the process
    (`installed_entry_points.cache_clear()` in tests).
    """
    found: dict[str, importlib.metadata.EntryPoint] = {}
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        lower = entry_point.name.lower()
        if lower not in _BUILTIN_BY_LOWER:
            found[lower] = entry_point
        elif entry_point.value != _BUILTIN_BY_LOWER[lower]:
            logger.warning(
                "auth plugin %s (%s) ignored: the built-in wins",
                entry_point.name,
                entry_point.value,
            )
    return found


@functools.cache
def _import_reference(value: str) -> Any:
    return importlib.metadata.EntryPoint(name="", value=value, group=ENTRY_POINT_GROUP).load()


def _load(key: str, value: str) -> Factory:
    try:
        factory = _import_reference(value)
    except Exception as exc:
        raise ConfigError(f"auth plugin for auth.{key} ({value}) cannot be loaded: {exc}") from None
    if not callable(factory):
        raise ConfigError(f"auth plugin for auth.{key} ({value}) is not callable")
    return factory  # type: ignore[no-any-return]


def _checked(key: str, backend: Any) -> AuthBackend:
    if not isinstance(backend, AuthBackend):
        raise ConfigError(
            f"the factory for auth.{key} returned {type(backend).__name__}, "
            "which has no name/order/authenticate"
        )
    return backend

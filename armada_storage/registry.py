"""From the `storage:` section to an open `Storage`.

The section names a backend and may hold a sub-section of that name with its
settings, for example `{backend: sqlite, sqlite: {path: /var/lib/armada/armada.db}}`.
A backend factory is `async (settings: Mapping) -> Storage` and receives that
sub-section (`{}` when absent). Keys match ignoring case; besides `backend`, only
sections named after a backend may appear. Factories are looked up in this order: the explicit
`backends` mapping (tests, embedding), the built-in table (works in a source tree
that was never pip-installed), then the entry-point group `armada.storage` (a
third-party plugin cannot shadow a built-in name). Only the selected factory is
imported, so an optional driver (psycopg) costs nothing unless chosen.
"""

from __future__ import annotations

import functools
import importlib.metadata
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from armada_config.policy import lookup
from armada_core.ports import Storage
from armada_storage.config import StorageConfigError

logger = logging.getLogger(__name__)

Factory = Callable[[Mapping[str, Any]], Awaitable[Storage]]

ENTRY_POINT_GROUP = "armada.storage"
BUILTIN: Mapping[str, str] = {
    "memory": "armada_storage.memory:from_config",
    "sqlite": "armada_storage.sqlite:from_config",
    "postgres": "armada_storage.postgres:from_config",
}


async def open_storage(
    section: Mapping[str, Any] | None, *, backends: Mapping[str, Factory] | None = None
) -> Storage:
    """Open the configured backend; `StorageConfigError` if the section is unusable."""
    if not isinstance(section, Mapping):
        raise StorageConfigError("storage must be a mapping with a backend")
    name = lookup(section, "backend")
    if not isinstance(name, str) or not name:
        raise StorageConfigError(
            f"storage.backend is required; installed: {', '.join(known_names(backends))}"
        )
    _refuse_unknown_keys(section, backends)
    settings = lookup(section, name) or {}
    if not isinstance(settings, Mapping):
        raise StorageConfigError(f"storage.{name} must be a mapping")
    storage = await resolve_factory(name, backends)(settings)
    logger.info("storage backend: %s", name)
    return storage


def _refuse_unknown_keys(
    section: Mapping[str, Any], backends: Mapping[str, Factory] | None
) -> None:
    """Besides `backend`, only backends' sections (chosen or not) may appear."""
    known = ["backend", *known_names(backends)]
    lowered = {key.lower() for key in known}
    for key in section:
        if str(key).lower() not in lowered:
            raise StorageConfigError(f"unknown key storage.{key}; known keys: {', '.join(known)}")


def resolve_factory(name: str, backends: Mapping[str, Factory] | None = None) -> Factory:
    """The factory for backend `name`, or `StorageConfigError` naming the installed ones."""
    if backends and name in backends:
        return backends[name]
    reference = BUILTIN.get(name)
    if reference is None:
        entry_point = installed_entry_points().get(name)
        reference = None if entry_point is None else entry_point.value
    if reference is None:
        raise StorageConfigError(
            f"unknown storage backend {name!r}; installed: {', '.join(known_names(backends))}"
        )
    return _load(name, reference)


def known_names(backends: Mapping[str, Factory] | None = None) -> list[str]:
    """Every backend name: built-in, installed plugins, explicit ones."""
    return sorted({*BUILTIN, *installed_entry_points(), *(backends or {})})


@functools.cache
def installed_entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    """Plugins of group `armada.storage` by name, built-in names excluded.

    Scanning `sys.path` is slow, so the result is cached for the process
    (`installed_entry_points.cache_clear()` in tests).
    """
    found: dict[str, importlib.metadata.EntryPoint] = {}
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry_point.name not in BUILTIN:
            found[entry_point.name] = entry_point
        elif entry_point.value != BUILTIN[entry_point.name]:
            logger.warning(
                "storage plugin %s (%s) ignored: the built-in wins",
                entry_point.name,
                entry_point.value,
            )
    return found


def _load(name: str, reference: str) -> Factory:
    try:
        factory = importlib.metadata.EntryPoint(
            name=name, value=reference, group=ENTRY_POINT_GROUP
        ).load()
    except Exception as exc:  # any import failure of a plugin is a configuration problem
        raise StorageConfigError(
            f"storage backend {name} ({reference}) cannot be loaded: {exc}"
        ) from None
    if not callable(factory):
        raise StorageConfigError(f"storage backend {name} ({reference}) is not callable")
    return factory  # type: ignore[no-any-return]

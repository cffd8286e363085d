"""Storage settings: the `storage:` section, checked before anything is opened."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SYNCHRONOUS_MODES = ("FULL", "NORMAL")


class StorageConfigError(ValueError):
    """The `storage:` configuration cannot be used; the message says why, in one line."""


def reject_unknown(where: str, section: Mapping[str, Any], *, allowed: Collection[str]) -> None:
    """Fail on keys nobody reads: a typo must not silently fall back to a default."""
    if not isinstance(section, Mapping):
        raise StorageConfigError(f"{where} must be a mapping")
    unknown = sorted(str(key) for key in section if key not in allowed)
    if unknown:
        known = ", ".join(sorted(allowed)) or "none"
        raise StorageConfigError(f"{where}: unknown keys {', '.join(unknown)} (known: {known})")


@dataclass(frozen=True, slots=True)
class SqliteSettings:
    """Where the database file lives and how hard each commit is flushed.

    `synchronous` FULL (the default) makes every acknowledged write survive a power
    loss; NORMAL keeps the database consistent but may lose the last commits then.
    """

    path: Path
    synchronous: str = "FULL"

    def __post_init__(self) -> None:
        if self.synchronous not in SYNCHRONOUS_MODES:
            raise StorageConfigError(
                f"storage.sqlite.synchronous must be one of {', '.join(SYNCHRONOUS_MODES)}, "
                f"got {self.synchronous!r}"
            )

    @classmethod
    def from_mapping(cls, section: Mapping[str, Any]) -> SqliteSettings:
        """Build from the `storage.sqlite` mapping (`path` required)."""
        reject_unknown("storage.sqlite", section, allowed=("path", "synchronous"))
        path = section.get("path")
        if not isinstance(path, str | Path) or not str(path):
            raise StorageConfigError("storage.sqlite.path is required (a file path)")
        synchronous = str(section.get("synchronous", "FULL")).upper()
        return cls(Path(path), synchronous)

"""Storage settings: the `storage:` section, checked before anything is opened.

Backends read their sub-section with the server's configuration policy
(`armada_config.policy.read_section`): keys match ignoring case and
an unknown key is refused with its path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

from armada_config.policy import Read, read_section, read_str

SYNCHRONOUS_MODES = ("FULL", "NORMAL")
T = TypeVar("T")


class StorageConfigError(ValueError):
    """The `storage:` configuration cannot be used; the message says why, in one line."""


def read_settings(schema: type[T], section: Any, where: str) -> T:
    """A backend's sub-section as its settings; `StorageConfigError` names the bad key."""
    return read_section(schema, section, where, error=StorageConfigError)


def _upper(raw: Any, path: str) -> str:
    return read_str(raw, path).upper()


@dataclass(frozen=True, slots=True)
class SqliteSettings:
    """Where the database file lives and how hard each commit is flushed.

    `synchronous` FULL (the default) makes every acknowledged write survive a power
    loss; NORMAL keeps the database consistent but may lose the last commits then.
    """

    path: Path
    synchronous: Annotated[str, Read(_upper)] = "FULL"

    def __post_init__(self) -> None:
        if self.synchronous not in SYNCHRONOUS_MODES:
            raise StorageConfigError(
                f"storage.sqlite.synchronous must be one of {', '.join(SYNCHRONOUS_MODES)}, "
                f"got {self.synchronous!r}"
            )

    @classmethod
    def from_mapping(cls, section: Mapping[str, Any]) -> SqliteSettings:
        """Build from the `storage.sqlite` mapping (`path` required)."""
        return read_settings(cls, section, "storage.sqlite")


@dataclass(frozen=True, slots=True)
class MemorySettings:
    """The `memory` backend takes no settings."""

"""Storage backends behind `armada_core.ports.Storage`.

`open_storage(section)` opens the backend the `storage:` configuration names
(`memory`, `sqlite`, or a plugin of the entry-point group `armada.storage`).
`MemoryStorage` is the reference implementation and the fake for tests;
`armada_storage.sqlite.SqliteStorage` keeps everything in one SQLite file.
"""

from __future__ import annotations

from armada_storage.config import SqliteSettings, StorageConfigError
from armada_storage.feed import LocalChangeFeed
from armada_storage.memory import MemoryStorage
from armada_storage.registry import Factory, open_storage

__all__ = [
    "Factory",
    "LocalChangeFeed",
    "MemoryStorage",
    "SqliteSettings",
    "StorageConfigError",
    "open_storage",
]

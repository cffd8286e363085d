"""The SQLite backend: one file, WAL, group commit, all sqlite3 work off the event loop."""

from __future__ import annotations

from armada_storage.sqlite.storage import SqliteStorage, from_config

__all__ = ["SqliteStorage", "from_config"]

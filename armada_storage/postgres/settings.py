"""PostgreSQL settings: the `storage.postgres` section, checked before connecting."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from armada_config.policy import KEY
from armada_storage.config import StorageConfigError, read_settings

DEFAULT_POOL_SIZE = 10
MAX_POOL_SIZE = 1000


@dataclass(frozen=True, slots=True)
class PostgresSettings:
    """Where the database is, which schema holds the tables, how many connections at most.

    `dsn` is a libpq connection string or URI. `schema` None uses the connection's own
    `search_path` (usually `public`); a named schema is created when missing and set
    as the `search_path` of every connection. `pool_size` bounds the connections for
    reads and writes; one more connection listens for the other processes' appends.
    Server settings go in the DSN, for example `options=-c lock_timeout=10s`.
    """

    dsn: str
    schema: str | None = None
    pool_size: int = field(default=DEFAULT_POOL_SIZE, metadata={KEY: "pool_size"})

    def __post_init__(self) -> None:
        if not self.dsn:
            raise StorageConfigError("storage.postgres.dsn is required (a libpq DSN or URI)")
        if self.schema is not None and not self.schema:
            raise StorageConfigError("storage.postgres.schema must not be empty")
        if not 1 <= self.pool_size <= MAX_POOL_SIZE:
            raise StorageConfigError(
                f"storage.postgres.pool_size must be 1 to {MAX_POOL_SIZE}, got {self.pool_size}"
            )

    @classmethod
    def from_mapping(cls, section: Mapping[str, Any]) -> PostgresSettings:
        """Build from the `storage.postgres` mapping (`dsn` required)."""
        return read_settings(cls, section, "storage.postgres")

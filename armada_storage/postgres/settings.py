"""PostgreSQL settings: the `storage.postgres` section, checked before connecting."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from armada_storage.config import StorageConfigError, reject_unknown

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
    pool_size: int = DEFAULT_POOL_SIZE

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
        reject_unknown("storage.postgres", section, allowed=("dsn", "schema", "pool_size"))
        dsn, schema = section.get("dsn"), section.get("schema")
        if not isinstance(dsn, str):
            raise StorageConfigError("storage.postgres.dsn is required (a libpq DSN or URI)")
        if schema is not None and not isinstance(schema, str):
            raise StorageConfigError("storage.postgres.schema must be a string")
        pool_size = section.get("pool_size", DEFAULT_POOL_SIZE)
        if not isinstance(pool_size, int) or isinstance(pool_size, bool):
            raise StorageConfigError("storage.postgres.pool_size must be an integer")
        return cls(dsn, schema, pool_size)

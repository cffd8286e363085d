"""The PostgreSQL backend: several server processes sharing one database.

Needs the `postgres` extra (`psycopg[binary]`); nothing imports this package unless
the configuration names the backend.
"""

from __future__ import annotations

from armada_storage.postgres.settings import PostgresSettings
from armada_storage.postgres.storage import PostgresStorage, from_config

__all__ = ["PostgresSettings", "PostgresStorage", "from_config"]

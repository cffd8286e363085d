"""Two server processes on one PostgreSQL schema (decision E5): the schema, starting
a process on it, and telling which one leads the scheduling."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
from e2e_support import ServerProcess

DSN = os.environ.get("ARMADA_TEST_POSTGRES_DSN", "")
LEADER = re.compile(r"this process is now the scheduling leader")


def fresh_schema() -> Iterator[str]:
    """A fixture body: a schema name of its own, dropped afterwards."""
    name = f"armada_test_{uuid.uuid4().hex[:16]}"
    yield name
    with psycopg.connect(DSN, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def start_on_postgres(
    tmp_path: Path, schema: str, name: str, config: Callable[[Path], dict[str, object]]
) -> ServerProcess:
    """A server process in its own folder, `config` with its storage on the schema."""
    cwd = tmp_path / name
    cwd.mkdir()
    settings = config(cwd)
    settings["storage"] = {"backend": "postgres", "postgres": {"dsn": DSN, "schema": schema}}
    return ServerProcess(cwd, settings, {}).wait_ready()


def leads(process: ServerProcess) -> bool:
    return any(LEADER.search(line) for line in process.log)

"""The PostgreSQL schema as ordered migrations, applied once however many processes start.

`schema_version` holds one row per applied migration. `migrate` runs in one transaction
that first takes a transaction-scoped advisory lock keyed by the schema name, so when
several server processes start together one migrates and the others wait, then find
nothing left to do. Append new migrations to `MIGRATIONS`; never edit one that shipped.

The layout follows the SQLite backend (see `armada_storage.sqlite.schema`):
- `jobs.id` is the key; `jobs.n` (an identity) is the submission order. `jobs.spec`
  is the job's JSON without its pod spec, which is `jobs.pod_spec` (protobuf bytes).
- `job_sets` gives each job set a small integer id and the id `(last_ms, last_seq)` of
  its last entry; a write updates that row under its row lock to number its entries.
- `events` holds each entry as rows of at most `CHUNK` events, as bytes (see
  `_event_rows`); a submitted event's job is not repeated when the same write
  inserted it. JSON columns are TEXT: the codec's text is stored as it is, unparsed
  (cast with `::jsonb` to query it).
- `runs.serial` (an identity) is the order runs were made in; `active` is true until
  the run ends. `executors` holds each executor's latest snapshot as JSON;
  `executor_settings` what operators set on one (cordon), kept when it is deleted.
`retry_policies` holds each policy as JSON; a queue's `data` lists its policies' names,
which a queue write checks under `FOR SHARE` locks and a policy delete (holding the
policy's row lock) removes from every queue: policy rows are locked before queue rows.
Strings compare with `COLLATE "C"` where order is visible, to sort as the other
backends do (by code point), whatever the database's collation.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from psycopg import sql

from armada_core.ports import PodSpecCodec
from armada_storage._migrations import (
    OLDEST_JOB_PER_CLIENT_ID,
    UPGRADE_BATCH,
    PodSpecStep,
    upgraded_jobs,
)
from armada_storage._repairs import SELECT_QUEUES, repaired_queue
from armada_storage.codecs import pod_spec_codec
from armada_storage.config import StorageConfigError
from armada_storage.postgres.pool import Connection

logger = logging.getLogger(__name__)

# A step is SQL, or a function for what SQL cannot do (it runs in the migration's
# transaction), given the pod spec codec if it needs it.
Step = str | Callable[[Connection], Awaitable[None]] | PodSpecStep[Connection, Awaitable[None]]


async def _repair_queues(conn: Connection) -> None:
    """Numbers an earlier release let through (an infinite priority factor) into range."""
    cursor = await conn.execute(SELECT_QUEUES)
    for name, data in await cursor.fetchall():
        fixed = repaired_queue(data)
        if fixed is not None:
            await conn.execute("UPDATE queues SET data = %s WHERE name = %s", (fixed, name))


async def _move_pod_specs(conn: Connection, pod_specs: PodSpecCodec) -> None:
    """Every job's pod spec, from its JSON into `jobs.pod_spec` (`_migrations`)."""
    last = -1
    while True:
        cursor = await conn.execute(
            "SELECT n, spec FROM jobs WHERE n > %s ORDER BY n LIMIT %s", (last, UPGRADE_BATCH)
        )
        rows = await cursor.fetchall()
        if not rows:
            return
        last = rows[-1][0]
        upgraded = list(upgraded_jobs(rows, pod_specs))
        if upgraded:
            specs, blobs, numbers = map(list, zip(*upgraded, strict=True))
            await conn.execute(_UPGRADE_JOBS, (specs, blobs, numbers))


_UPGRADE_JOBS = """UPDATE jobs SET spec = u.spec, pod_spec = u.pod_spec
    FROM unnest(%s::text[], %s::bytea[], %s::bigint[]) AS u(spec, pod_spec, n)
    WHERE jobs.n = u.n"""

MIGRATIONS: tuple[tuple[Step, ...], ...] = (
    (
        'CREATE TABLE queues (name TEXT COLLATE "C" PRIMARY KEY, data TEXT NOT NULL)',
        """CREATE TABLE jobs (
            id TEXT PRIMARY KEY,
            n BIGINT GENERATED ALWAYS AS IDENTITY,
            queue TEXT NOT NULL,
            job_set_id TEXT NOT NULL,
            state SMALLINT NOT NULL,
            priority BIGINT NOT NULL,
            last_transition_ns BIGINT NOT NULL,
            client_id TEXT NOT NULL,
            external_job_uri TEXT NOT NULL,
            cancel_ns BIGINT NOT NULL DEFAULT 0,
            cancel_reason TEXT NOT NULL DEFAULT '',
            cancel_user TEXT NOT NULL DEFAULT '',
            error TEXT NOT NULL DEFAULT '',
            spec TEXT NOT NULL
        )""",
        "CREATE INDEX jobs_by_job_set ON jobs (queue, job_set_id, state)",
        # Active jobs of a queue by job set, without visiting its finished ones.
        "CREATE INDEX jobs_by_queue ON jobs (queue, state, job_set_id)",
        """CREATE TABLE client_ids (
            queue TEXT NOT NULL,
            client_id TEXT NOT NULL,
            job_id TEXT NOT NULL,
            PRIMARY KEY (queue, client_id)
        )""",
        """CREATE TABLE job_sets (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            queue TEXT NOT NULL,
            job_set_id TEXT NOT NULL,
            last_ms BIGINT NOT NULL,
            last_seq BIGINT NOT NULL,
            UNIQUE (queue, job_set_id)
        )""",
        """CREATE TABLE events (
            set_id BIGINT NOT NULL,
            ms BIGINT NOT NULL,
            seq BIGINT NOT NULL,
            start INTEGER NOT NULL,
            count INTEGER NOT NULL,
            final BOOLEAN NOT NULL,
            data TEXT NOT NULL,
            PRIMARY KEY (set_id, ms, seq, start)
        )""",
    ),
    (OLDEST_JOB_PER_CLIENT_ID,),  # 2: one dedup target per client id, the oldest job
    # 3: queues stored with numbers now refused (a priority factor of Infinity).
    (_repair_queues,),
    # Pages of the job browser by position (`_browse_sql`): submission order (n), alone
    # or after a queue and state, a state, or a queue and job set.
    (
        "CREATE INDEX jobs_page ON jobs (n)",
        "CREATE INDEX jobs_page_by_queue ON jobs (queue, state, n)",
        "CREATE INDEX jobs_page_by_state ON jobs (state, n)",
        "CREATE INDEX jobs_page_by_job_set ON jobs (queue, job_set_id, n)",
    ),
    (  # 5: runs and executors (issue 11)
        """CREATE TABLE runs (
            serial BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            job_id TEXT NOT NULL,
            executor TEXT NOT NULL,
            active BOOLEAN NOT NULL,
            data TEXT NOT NULL
        )""",
        "CREATE INDEX runs_by_job ON runs (job_id, serial)",
        # Only active runs are listed by executor; ended ones stay out of the index.
        "CREATE INDEX active_runs ON runs (executor, serial) WHERE active",
        'CREATE TABLE executors (id TEXT COLLATE "C" PRIMARY KEY, data TEXT NOT NULL)',
    ),
    # 6: retry policies, by name. Queues name theirs in their own `data` (as before).
    ('CREATE TABLE retry_policies (name TEXT COLLATE "C" PRIMARY KEY, data TEXT NOT NULL)',),
    # 7: a job's retry record (`codec.retry_to_json`): memory growth and nodes to avoid.
    ("ALTER TABLE jobs ADD COLUMN IF NOT EXISTS retry TEXT NOT NULL DEFAULT ''",),
    # 8: operators' executor settings (api.Executor): the cordon, who set it and when.
    (
        """CREATE TABLE executor_settings (
            executor_id TEXT COLLATE "C" PRIMARY KEY,
            cordoned BOOLEAN NOT NULL,
            cordon_reason TEXT NOT NULL,
            set_by_user TEXT NOT NULL,
            set_at_ns BIGINT NOT NULL
        )""",
    ),
    # 9: a job's pod spec as protobuf bytes (`PodSpecCodec`), no longer in its JSON.
    (
        "ALTER TABLE jobs ADD COLUMN pod_spec BYTEA NOT NULL DEFAULT ''",
        PodSpecStep(_move_pod_specs),
    ),
    # 10: events as bytes (`_event_rows`): a row before it is its JSON list's UTF-8.
    ("ALTER TABLE events ALTER COLUMN data TYPE BYTEA USING convert_to(data, 'UTF8')",),
)

SCHEMA_VERSION = len(MIGRATIONS)

_LOCK_CLASS = 0x41524D41  # "ARMA": the advisory lock space of armada-py
_VERSION_TABLE = """CREATE TABLE schema_version (
    version INTEGER PRIMARY KEY,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)"""


async def migrate(
    conn: Connection, schema: str | None, pod_specs: PodSpecCodec | None = None
) -> int:
    """Bring the schema to `SCHEMA_VERSION`; returns the version it had before.

    `pod_specs` converts pod specs where a migration needs it (None: the registered
    codec, loaded only then)."""
    async with conn.transaction():
        await conn.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(coalesce(%s, current_schema(), '')))",
            (_LOCK_CLASS, schema),
        )
        await _create_missing(conn, schema)
        version = await schema_version(conn)
        if version > SCHEMA_VERSION:
            raise StorageConfigError(
                f"the database has schema version {version};"
                f" this armada-py knows up to {SCHEMA_VERSION}"
            )
        for number in range(version, SCHEMA_VERSION):
            for statement in MIGRATIONS[number]:
                if isinstance(statement, PodSpecStep):
                    await statement.run(conn, pod_spec_codec(pod_specs))
                elif callable(statement):
                    await statement(conn)
                else:
                    await conn.execute(statement)
            await conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (number + 1,))
    if version < SCHEMA_VERSION:
        logger.info("postgres schema migrated from version %d to %d", version, SCHEMA_VERSION)
    return version


async def _create_missing(conn: Connection, schema: str | None) -> None:
    """Create the schema and the version table if missing.

    Checked first rather than `IF NOT EXISTS`: that form still needs the CREATE
    privilege, which a user who only runs an already migrated schema may lack.
    """
    if schema is not None and not await _exists(conn, "pg_namespace", "nspname", schema):
        await conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    cursor = await conn.execute("SELECT to_regclass('schema_version') IS NOT NULL")
    row = await cursor.fetchone()
    if not (row and row[0]):
        await conn.execute(_VERSION_TABLE)


async def _exists(conn: Connection, catalog: str, column: str, name: str) -> bool:
    query = sql.SQL("SELECT 1 FROM {} WHERE {} = %s").format(
        sql.Identifier("pg_catalog", catalog), sql.Identifier(column)
    )
    cursor = await conn.execute(query, (name,))
    return await cursor.fetchone() is not None


async def schema_version(conn: Connection) -> int:
    """The number of migrations the schema has had."""
    cursor = await conn.execute("SELECT coalesce(max(version), 0) FROM schema_version")
    row = await cursor.fetchone()
    return 0 if row is None else int(row[0])

"""The SQLite schema as ordered migrations, and how connections are opened.

`PRAGMA user_version` records how many migrations a file has had; `migrate` applies
the missing ones in one transaction when the storage opens. Append new migrations to
`MIGRATIONS`; never edit one that has shipped.

Tables:
- `retry_policies` holds each policy as JSON (`codec.retry_policy_to_json`); a queue's
  `data` lists the names of its policies, which a queue write checks exist and a
  policy delete removes from every queue.
- `jobs.n` is the submission order (an INTEGER PRIMARY KEY, so VACUUM keeps it).
  `jobs.spec` is the job's JSON without its pod spec (`codec.job_to_json`), which is
  `jobs.pod_spec`: its protobuf bytes as they arrived (`PodSpecCodec`, since migration 9).
- `client_ids` records each `(queue, client_id)` once, with the job a later submit of
  that client id is answered with (the dedup target: the oldest, since migration 2).
- `job_sets` gives each job set a small integer id and holds the id of its last entry.
- `events` holds each log entry as one or more rows of at most `CHUNK` events, keyed
  by `(set_id, ms, seq, start)` where `start` is the index of the row's first event;
  `final` marks the row that ends its entry. A row per event would cost the write
  path several times more (measured); chunks keep reads of huge entries cheap.
  `data` holds the events as bytes (`_event_rows`, since migration 10): each as its
  wire message where the event codec writes it, else as JSON; a submitted event's job
  is not repeated when the same write inserted it: readers take it from the jobs table.
- `runs.serial` is the order runs were made in (lease order); `active` is 1 until the
  run ends. `data` is the run's JSON; `executors.data` the executor's latest snapshot.
- `executor_settings` holds what operators set on an executor (cordon, reason, who,
  when), apart from its snapshot: deleting an executor keeps them.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

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

logger = logging.getLogger(__name__)

# A step is SQL, or a function for what SQL cannot do (it runs in the migration's
# transaction and must not commit), given the pod spec codec if it needs it.
Step = str | Callable[[sqlite3.Connection], None] | PodSpecStep[sqlite3.Connection, None]


def _repair_queues(conn: sqlite3.Connection) -> None:
    """Numbers an earlier release let through (an infinite priority factor) into range."""
    for name, data in conn.execute(SELECT_QUEUES).fetchall():
        fixed = repaired_queue(data)
        if fixed is not None:
            conn.execute("UPDATE queues SET data = ? WHERE name = ?", (fixed, name))


def _add_retry_column(conn: sqlite3.Connection) -> None:
    """`jobs.retry`, unless the file has it: idempotent, so a later migration may repeat
    it for files that passed version 7 while it was still reserved (empty)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(jobs)")}
    if "retry" not in columns:
        conn.execute("ALTER TABLE jobs ADD COLUMN retry TEXT NOT NULL DEFAULT ''")


def _move_pod_specs(conn: sqlite3.Connection, pod_specs: PodSpecCodec) -> None:
    """Every job's pod spec, from its JSON into `jobs.pod_spec` (`_migrations`)."""
    last = -1
    while rows := conn.execute(
        "SELECT n, spec FROM jobs WHERE n > ? ORDER BY n LIMIT ?", (last, UPGRADE_BATCH)
    ).fetchall():
        last = rows[-1][0]
        conn.executemany(
            "UPDATE jobs SET spec = ?, pod_spec = ? WHERE n = ?", upgraded_jobs(rows, pod_specs)
        )


MIGRATIONS: tuple[tuple[Step, ...], ...] = (
    (
        "CREATE TABLE queues (name TEXT PRIMARY KEY, data TEXT NOT NULL) WITHOUT ROWID",
        """CREATE TABLE jobs (
            n INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            queue TEXT NOT NULL,
            job_set_id TEXT NOT NULL,
            state INTEGER NOT NULL,
            priority INTEGER NOT NULL,
            last_transition_ns INTEGER NOT NULL,
            client_id TEXT NOT NULL,
            external_job_uri TEXT NOT NULL,
            cancel_ns INTEGER NOT NULL DEFAULT 0,
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
        ) WITHOUT ROWID""",
        """CREATE TABLE job_sets (
            id INTEGER PRIMARY KEY,
            queue TEXT NOT NULL,
            job_set_id TEXT NOT NULL,
            last_ms INTEGER NOT NULL,
            last_seq INTEGER NOT NULL,
            UNIQUE (queue, job_set_id)
        )""",
        """CREATE TABLE events (
            set_id INTEGER NOT NULL,
            ms INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            start INTEGER NOT NULL,
            count INTEGER NOT NULL,
            final INTEGER NOT NULL,
            data TEXT NOT NULL,
            PRIMARY KEY (set_id, ms, seq, start)
        ) WITHOUT ROWID""",
    ),
    (OLDEST_JOB_PER_CLIENT_ID,),  # 2: one dedup target per client id, the oldest job
    # 3: queues stored with numbers now refused (a priority factor of Infinity).
    (_repair_queues,),
    # Pages of the job browser by position (`_browse_sql`): submission order (n) after
    # a queue and state, a state, or a queue and job set, with no sort of the matches.
    (
        "CREATE INDEX jobs_page_by_queue ON jobs (queue, state, n)",
        "CREATE INDEX jobs_page_by_state ON jobs (state, n)",
        "CREATE INDEX jobs_page_by_job_set ON jobs (queue, job_set_id, n)",
    ),
    (  # 5: runs and executors (issue 11)
        """CREATE TABLE runs (
            serial INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            job_id TEXT NOT NULL,
            executor TEXT NOT NULL,
            active INTEGER NOT NULL,
            data TEXT NOT NULL
        )""",
        "CREATE INDEX runs_by_job ON runs (job_id, serial)",
        # Only active runs are listed by executor; ended ones stay out of the index.
        "CREATE INDEX active_runs ON runs (executor, serial) WHERE active",
        "CREATE TABLE executors (id TEXT PRIMARY KEY, data TEXT NOT NULL) WITHOUT ROWID",
    ),
    # 6: retry policies, by name. Queues name theirs in their own `data` (as before).
    ("CREATE TABLE retry_policies (name TEXT PRIMARY KEY, data TEXT NOT NULL) WITHOUT ROWID",),
    # 7: a job's retry record (`codec.retry_to_json`): memory growth and nodes to avoid.
    (_add_retry_column,),
    # 8: operators' executor settings (api.Executor): the cordon, who set it and when.
    (
        """CREATE TABLE executor_settings (
            executor_id TEXT PRIMARY KEY,
            cordoned INTEGER NOT NULL,
            cordon_reason TEXT NOT NULL,
            set_by_user TEXT NOT NULL,
            set_at_ns INTEGER NOT NULL
        ) WITHOUT ROWID""",
    ),
    # 9: a job's pod spec as protobuf bytes (`PodSpecCodec`), no longer in its JSON.
    (
        "ALTER TABLE jobs ADD COLUMN pod_spec BLOB NOT NULL DEFAULT x''",
        PodSpecStep(_move_pod_specs),
    ),
    # 10: events as bytes (`_event_rows`): a row before it is its JSON list's UTF-8.
    (
        """CREATE TABLE events_as_bytes (
            set_id INTEGER NOT NULL,
            ms INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            start INTEGER NOT NULL,
            count INTEGER NOT NULL,
            final INTEGER NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (set_id, ms, seq, start)
        ) WITHOUT ROWID""",
        """INSERT INTO events_as_bytes
            SELECT set_id, ms, seq, start, count, final, CAST(data AS BLOB) FROM events""",
        "DROP TABLE events",
        "ALTER TABLE events_as_bytes RENAME TO events",
    ),
)

SCHEMA_VERSION = len(MIGRATIONS)


def connect(path: Path, *, synchronous: str, reader: bool = False) -> sqlite3.Connection:
    """A connection usable from any one thread at a time, in autocommit mode.

    Transactions are explicit (`BEGIN IMMEDIATE` in the writer); readers run each
    SELECT in its own snapshot and never block on the writer, thanks to WAL.
    """
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
    try:
        if not reader:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StorageConfigError(f"{path}: cannot use WAL journaling (got {mode})")
            # Never inside a commit: `checkpointer.Checkpointer` does it on its own thread.
            conn.execute("PRAGMA wal_autocheckpoint=0")
        conn.execute(f"PRAGMA synchronous={synchronous}")  # one of a fixed set, checked
        conn.execute("PRAGMA cache_size=-32768")  # 32 MiB
        conn.execute("PRAGMA temp_store=MEMORY")
        if reader:
            conn.execute("PRAGMA query_only=ON")
    except BaseException:
        conn.close()
        raise
    return conn


def migrate(conn: sqlite3.Connection, path: Path, pod_specs: PodSpecCodec | None = None) -> int:
    """Bring the file to `SCHEMA_VERSION`; returns the version it had before.

    `pod_specs` converts pod specs where a migration needs it (None: the registered
    codec, loaded only then)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = schema_version(conn)
        if version > SCHEMA_VERSION:
            raise StorageConfigError(
                f"{path} has schema version {version}; this armada-py knows up to {SCHEMA_VERSION}"
            )
        for statements in MIGRATIONS[version:]:
            for statement in statements:
                if isinstance(statement, PodSpecStep):
                    statement.run(conn, pod_spec_codec(pod_specs))
                elif callable(statement):
                    statement(conn)
                else:
                    conn.execute(statement)
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    if version < SCHEMA_VERSION:
        logger.info("%s: schema migrated from version %d to %d", path, version, SCHEMA_VERSION)
    return version


def schema_version(conn: sqlite3.Connection) -> int:
    """The number of migrations the open file has had."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])

"""WAL checkpoints on their own thread and connection, off the commit path.

By default SQLite checkpoints inside the COMMIT that grows the WAL past 1,000
pages: that commit copies the WAL into the database file and syncs it, so the write
that happens to cross the line (and every write queued behind it) waits for the
copy. A 10,000-job submit writes several megabytes, so nearly every big commit
paid a checkpoint. Here the writer never checkpoints (`wal_autocheckpoint=0`), and
a thread runs a PASSIVE checkpoint every `INTERVAL_SECONDS`: it copies what no
reader still needs, takes no lock a writer or reader waits for, and lets the next
write start the WAL over once everything is copied. `sqlite3` releases the GIL
while it runs.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

from armada_storage.config import SqliteSettings
from armada_storage.sqlite.schema import connect

logger = logging.getLogger(__name__)

INTERVAL_SECONDS = 0.2


class Checkpointer:
    """A daemon thread checkpointing the WAL of `settings.path` until `close()`."""

    def __init__(self, settings: SqliteSettings, interval: float = INTERVAL_SECONDS) -> None:
        self._settings = settings
        self._interval = interval
        self._stop = threading.Event()
        self.runs = 0  # checkpoints done (tests look)
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpointer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        conn = connect(self._settings.path, synchronous=self._settings.synchronous, reader=True)
        try:
            while not self._stop.wait(self._interval):
                self._checkpoint(conn)
        finally:
            conn.close()

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            self.runs += 1
        except sqlite3.Error:  # the next round tries again; the WAL only grows meanwhile
            logger.exception("a WAL checkpoint failed")

    def close(self) -> None:
        """Stop the thread (blocking until its current checkpoint ends)."""
        self._stop.set()
        self._thread.join()

"""Migration statements the SQL backends share word for word.

`OLDEST_JOB_PER_CLIENT_ID` (migration 2 of both): before it, a client id submitted
concurrently could make several jobs (issue 9, finding 7), and the one recorded as its
dedup target was whichever write committed first, not always the oldest. It records,
for every `(queue, client_id)` of the jobs table, the oldest job (lowest `n`), and
deletes nothing: the duplicate jobs stay, later submits are answered with the oldest.

Migration 9 of both moves each job's pod spec out of its JSON (`jobs.spec`) into
`jobs.pod_spec` as protobuf bytes, batch by batch in order of `n`, so an upgrade
holds `UPGRADE_BATCH` jobs in memory however big the table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from armada_core.ports import PodSpecCodec
from armada_storage._codec import upgraded_job_json

OLDEST_JOB_PER_CLIENT_ID = """INSERT INTO client_ids (queue, client_id, job_id)
    SELECT queue, client_id, id FROM (
        SELECT queue, client_id, id,
               row_number() OVER (PARTITION BY queue, client_id ORDER BY n) AS age
        FROM jobs WHERE client_id <> ''
    ) AS oldest WHERE age = 1
    ON CONFLICT (queue, client_id) DO UPDATE SET job_id = excluded.job_id
    WHERE client_ids.job_id <> excluded.job_id"""

# --- migration 9 of both: pod specs as protobuf bytes ----------------------------------

C = TypeVar("C")  # a backend's connection
R = TypeVar("R")

Row = tuple[str, bytes, int]
UPGRADE_BATCH = 500  # jobs per batch: what the upgrade holds in memory at once


@dataclass(frozen=True, slots=True)
class PodSpecStep(Generic[C, R]):
    """A migration step that needs the pod spec codec: `run(conn, pod_specs)`."""

    run: Callable[[C, PodSpecCodec], R]


def upgraded_jobs(rows: Iterable[tuple[int, str]], pod_specs: PodSpecCodec) -> Iterator[Row]:
    """`(spec, pod_spec, n)` for each `(n, spec)` job row written before migration 9
    (its pod spec inside the JSON), to store; rows upgraded already are left out."""
    for n, text in rows:
        upgraded = upgraded_job_json(text, pod_specs)
        if upgraded is not None:
            yield (*upgraded, n)

"""Migration statements the SQL backends share word for word.

`OLDEST_JOB_PER_CLIENT_ID` (migration 2 of both): before it, a client id submitted
concurrently could make several jobs (issue 9, finding 7), and the one recorded as its
dedup target was whichever write committed first, not always the oldest. It records,
for every `(queue, client_id)` of the jobs table, the oldest job (lowest `n`), and
deletes nothing: the duplicate jobs stay, later submits are answered with the oldest.
"""

from __future__ import annotations

OLDEST_JOB_PER_CLIENT_ID = """INSERT INTO client_ids (queue, client_id, job_id)
    SELECT queue, client_id, id FROM (
        SELECT queue, client_id, id,
               row_number() OVER (PARTITION BY queue, client_id ORDER BY n) AS age
        FROM jobs WHERE client_id <> ''
    ) AS oldest WHERE age = 1
    ON CONFLICT (queue, client_id) DO UPDATE SET job_id = excluded.job_id
    WHERE client_ids.job_id <> excluded.job_id"""

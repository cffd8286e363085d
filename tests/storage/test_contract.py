"""The `Storage` contract, part 1: queues, the atomic write, job queries.

Every test runs against each backend through the `storage` fixture (conftest.py);
the event log half of the contract is in test_contract_events.py.
"""

from __future__ import annotations

import anyio
import pytest
from storage_helpers import event, make_job, submit_append

from armada_core.errors import ClientIdsTaken, Conflict, NotFound, Unavailable
from armada_core.jobs import JobChange, JobSetActivity, JobState
from armada_core.ports import Append, DeleteOutcome, Storage
from armada_core.queues import (
    PoolResourceLimits,
    PriorityClassResourceLimits,
    Queue,
    QueuePermission,
    Subject,
)
from armada_core.retry.policy import RetryAction, RetryPolicy

pytestmark = pytest.mark.anyio

S = JobState


def full_queue(name: str = "q") -> Queue:
    return Queue(
        name=name,
        priority_factor=2.5,
        permissions=(
            QueuePermission((Subject("User", "alice"), Subject("Group", "ops")), ("submit",)),
        ),
        resource_limits_by_priority_class_name={
            "high": PriorityClassResourceLimits(
                {"cpu": 0.5}, {"pool-a": PoolResourceLimits({"memory": 0.25})}
            )
        },
        cordoned=True,
        labels={"team": "ml"},
        retry_policies=("default",),
    )


def change(job_id: str, expected: JobState, state: JobState, at_ns: int = 999, **kw) -> JobChange:
    return JobChange(job_id, expected, state, at_ns, **kw)


async def submit(storage: Storage, *jobs, at_ms: int = 1000):
    return await storage.write(at_ms=at_ms, jobs=jobs, appends=[submit_append(jobs)])


# --- queues ---------------------------------------------------------------------------


async def test_queue_round_trips_every_field(storage: Storage) -> None:
    assert await storage.get_queue("q") is None
    await storage.upsert_retry_policy(RetryPolicy("default", 1, RetryAction.RETRY))
    await storage.upsert_queue(full_queue())
    assert await storage.get_queue("q") == full_queue()


async def test_upsert_replaces_and_update_needs_an_existing_queue(storage: Storage) -> None:
    assert await storage.update_queue(Queue("q", 3.0)) is False
    assert await storage.get_queue("q") is None
    await storage.upsert_queue(Queue("q"))
    await storage.upsert_queue(Queue("q", 2.0))
    assert await storage.get_queue("q") == Queue("q", 2.0)
    assert await storage.update_queue(Queue("q", 4.0)) is True
    assert await storage.get_queue("q") == Queue("q", 4.0)


async def test_list_queues_sorted_with_limit(storage: Storage) -> None:
    for name in ("c", "a", "b"):
        await storage.upsert_queue(Queue(name))
    assert [q.name for q in await storage.list_queues()] == ["a", "b", "c"]
    assert [q.name for q in await storage.list_queues(limit=2)] == ["a", "b"]
    assert [q.name for q in await storage.list_queues(limit=0)] == ["a", "b", "c"]


@pytest.mark.parametrize("active", [S.QUEUED, S.LEASED, S.PENDING, S.RUNNING])
async def test_delete_queue_refuses_while_a_job_is_active(storage, active) -> None:
    await storage.upsert_queue(Queue("q"))
    job = make_job()
    await submit(storage, job)
    if active != S.QUEUED:
        await storage.write(at_ms=1, changes=[change(job.id, S.QUEUED, active)])
    assert await storage.delete_queue("q") is DeleteOutcome.HAS_ACTIVE_JOBS
    assert await storage.get_queue("q") is not None
    await storage.write(at_ms=1, changes=[change(job.id, active, S.CANCELLED)])
    assert await storage.delete_queue("q") is DeleteOutcome.DELETED
    assert await storage.get_queue("q") is None
    assert await storage.delete_queue("q") is DeleteOutcome.MISSING


async def test_jobs_of_other_queues_do_not_block_a_delete(storage: Storage) -> None:
    await storage.upsert_queue(Queue("q"))
    await submit(storage, make_job(queue="other"))
    assert await storage.delete_queue("q") is DeleteOutcome.DELETED


# --- the write: jobs and client ids ----------------------------------------------------


async def test_inserted_jobs_are_queued_records(storage: Storage) -> None:
    job = make_job(priority=7)
    await submit(storage, job)
    record = (await storage.get_jobs([job.id, "unknown"]))[job.id]
    assert (await storage.get_jobs(["unknown"])) == {}
    assert record.job == job
    assert (record.state, record.priority, record.last_transition_ns) == (
        S.QUEUED,
        7,
        job.created_ns,
    )
    assert (record.cancel_ns, record.cancel_reason, record.cancel_user, record.error) == (
        0,
        "",
        "",
        "",
    )


async def test_client_ids_map_per_queue_to_the_first_job(storage: Storage) -> None:
    first = make_job(client_id="c1")
    await submit(storage, first, make_job(client_id=""), make_job(client_id="c1"))
    await submit(storage, make_job(queue="other", client_id="c1"))
    assert await storage.find_client_ids("q", ["c1", "c2", ""]) == {"c1": first.id}
    assert await storage.find_client_ids("q", []) == {}


async def test_a_taken_client_id_writes_nothing_and_names_the_job(storage: Storage) -> None:
    old = make_job(client_id="c1")
    await submit(storage, old)
    new = make_job(client_id="c9", job_set_id="js2")
    with pytest.raises(ClientIdsTaken) as raised:
        await submit(storage, new, make_job(client_id="c1", job_set_id="js2"))
    assert raised.value.job_ids == {("q", "c1"): old.id}
    await _assert_untouched(storage, old.id, new)


async def test_many_client_ids_in_one_lookup(storage: Storage) -> None:
    jobs = [make_job(client_id=f"c{i}") for i in range(1200)]
    await submit(storage, *jobs)
    found = await storage.find_client_ids("q", [f"c{i}" for i in range(1300)])
    assert found == {job.client_id: job.id for job in jobs}


async def test_a_conflict_writes_nothing(storage: Storage) -> None:
    old = make_job()
    await submit(storage, old)
    new = make_job(client_id="c9", job_set_id="js2")
    with pytest.raises(Conflict):
        await storage.write(
            at_ms=5,
            jobs=[new],
            changes=[change(old.id, S.QUEUED, S.CANCELLED), change(old.id, S.RUNNING, S.FAILED)],
            appends=[submit_append([new]), Append("q", "js", (event(old.id),))],
        )
    await _assert_untouched(storage, old.id, new)


async def test_a_missing_required_queue_writes_nothing(storage: Storage) -> None:
    old = make_job()
    await submit(storage, old)
    new = make_job(client_id="c9", job_set_id="js2")
    with pytest.raises(NotFound):
        await storage.write(
            at_ms=5,
            jobs=[new],
            changes=[change(old.id, S.QUEUED, S.CANCELLED)],
            appends=[submit_append([new]), Append("q", "js", (event(old.id),))],
            require_queue="q",
        )
    await _assert_untouched(storage, old.id, new)
    await storage.upsert_queue(Queue("q"))
    await storage.write(at_ms=5, require_queue="q")  # exists now: fine


async def test_a_duplicate_job_id_is_a_conflict(storage: Storage) -> None:
    old = make_job()
    await submit(storage, old)
    with pytest.raises(Conflict):
        await submit(storage, make_job(id=old.id, client_id="c9", job_set_id="js2"))
    same = make_job(client_id="c9", job_set_id="js2")
    with pytest.raises(Conflict):
        await submit(storage, same, same)
    await _assert_untouched(storage, old.id, same)


async def _assert_untouched(storage: Storage, old_id: str, new) -> None:
    assert (await storage.get_jobs([old_id]))[old_id].state == S.QUEUED
    assert await storage.get_jobs([new.id]) == {}
    assert await storage.find_client_ids("q", ["c9"]) == {}
    assert not await storage.job_set_exists("q", "js2")
    assert len(await storage.read_events("q", "js", None, 100)) == 2


async def test_an_empty_append_is_refused(storage: Storage) -> None:
    job = make_job()
    with pytest.raises(ValueError):
        await storage.write(at_ms=1, jobs=[job], appends=[Append("q", "js", ())])
    assert await storage.get_jobs([job.id]) == {}


async def test_concurrent_writes_fail_alone(storage: Storage) -> None:
    """Writes that share a transaction (group commit) still succeed or fail one by one."""
    job = make_job()
    await submit(storage, job)
    outcomes: dict[int, object] = {}

    async def attempt(i: int) -> None:
        try:
            await storage.write(
                at_ms=1, changes=[change(job.id, S.QUEUED, S.RUNNING)] if i % 3 == 0 else ()
            )
            outcomes[i] = "ok"
        except Conflict:
            outcomes[i] = "conflict"

    async with anyio.create_task_group() as tg:
        for i in range(12):
            tg.start_soon(attempt, i)
    assert sorted(outcomes.values()).count("conflict") == 3  # 4 tried, the first won
    assert (await storage.get_jobs([job.id]))[job.id].state == S.RUNNING


# --- changes ---------------------------------------------------------------------------


async def test_a_change_sets_only_what_it_carries(storage: Storage) -> None:
    job = make_job(priority=3)
    await submit(storage, job)
    await storage.write(at_ms=1, changes=[change(job.id, S.QUEUED, S.RUNNING, at_ns=10)])
    record = (await storage.get_jobs([job.id]))[job.id]
    assert (record.state, record.last_transition_ns, record.priority) == (S.RUNNING, 10, 3)
    await storage.write(
        at_ms=1, changes=[change(job.id, S.RUNNING, S.RUNNING, at_ns=20, priority=9)]
    )
    record = (await storage.get_jobs([job.id]))[job.id]
    assert (record.last_transition_ns, record.priority) == (10, 9)  # same state: time kept
    assert record.job.priority == 3  # the submitted job never changes
    await storage.write(
        at_ms=1, changes=[change(job.id, S.RUNNING, S.FAILED, at_ns=30, error="oom")]
    )
    record = (await storage.get_jobs([job.id]))[job.id]
    assert (record.state, record.error, record.priority, record.cancel_ns) == (
        S.FAILED,
        "oom",
        9,
        0,
    )


async def test_cancel_fields(storage: Storage) -> None:
    requested, direct = make_job(), make_job()
    await submit(storage, requested, direct)
    ask = change(requested.id, S.QUEUED, S.QUEUED, at_ns=5, cancel_reason="r", cancel_user="u")
    await storage.write(at_ms=1, changes=[ask, change(direct.id, S.QUEUED, S.CANCELLED, at_ns=6)])
    await storage.write(at_ms=1, changes=[change(requested.id, S.QUEUED, S.CANCELLED, at_ns=8)])
    records = await storage.get_jobs([requested.id, direct.id])
    first, second = records[requested.id], records[direct.id]
    assert (first.state, first.cancel_ns, first.cancel_reason, first.cancel_user) == (
        S.CANCELLED,
        5,
        "r",
        "u",
    )
    assert first.last_transition_ns == 8
    assert (second.cancel_ns, second.cancel_reason, second.cancel_user) == (6, "", "")


async def test_changes_apply_in_order_within_a_write(storage: Storage) -> None:
    job = make_job()
    await storage.write(
        at_ms=1,
        jobs=[job],
        changes=[change(job.id, S.QUEUED, S.LEASED), change(job.id, S.LEASED, S.PENDING)],
    )
    assert (await storage.get_jobs([job.id]))[job.id].state == S.PENDING
    with pytest.raises(Conflict):
        await storage.write(at_ms=1, changes=[change("missing", S.QUEUED, S.CANCELLED)])


# --- job queries -----------------------------------------------------------------------


async def test_jobs_in_job_set_and_queue_filter_by_state_in_submission_order(storage) -> None:
    a, b, c = make_job(id="03c"), make_job(id="01a"), make_job(id="02b", job_set_id="js2")
    other_queue = make_job(queue="q2")
    await submit(storage, a, b)
    await submit(storage, c)
    await submit(storage, other_queue)
    await storage.write(at_ms=1, changes=[change(b.id, S.QUEUED, S.RUNNING)])
    in_set = await storage.jobs_in_job_set("q", "js", [S.QUEUED, S.RUNNING])
    assert [r.job.id for r in in_set] == [a.id, b.id]
    assert [r.job.id for r in await storage.jobs_in_job_set("q", "js", [S.RUNNING])] == [b.id]
    assert await storage.jobs_in_job_set("q", "js", []) == []
    in_queue = await storage.jobs_in_queue("q", {S.QUEUED})
    assert [r.job.id for r in in_queue] == [a.id, c.id]
    assert await storage.jobs_in_queue("nothing", {S.QUEUED}) == []


async def test_jobs_by_external_uri(storage: Storage) -> None:
    a, b = make_job(external_job_uri="u1"), make_job(external_job_uri="u2")
    c = make_job(external_job_uri="u1", job_set_id="js2")
    await submit(storage, a, b)
    await submit(storage, c)
    assert [r.job.id for r in await storage.jobs_by_external_uri("q", "js", "u1")] == [a.id]
    assert await storage.jobs_by_external_uri("q", "js", "u3") == []


async def test_job_set_activity(storage: Storage) -> None:
    states = {"b": [S.QUEUED, S.RUNNING, S.LEASED], "a": [S.PENDING], "c": [S.SUCCEEDED]}
    for job_set, wanted in states.items():
        jobs = [make_job(job_set_id=job_set) for _ in wanted]
        await submit(storage, *jobs)
        changes = [change(j.id, S.QUEUED, s) for j, s in zip(jobs, wanted, strict=True)]
        await storage.write(at_ms=1, changes=[c for c in changes if c.state != S.QUEUED])
    await submit(storage, make_job(queue="other"))
    assert await storage.job_set_activity("q") == [
        JobSetActivity("a", 0, 1),
        JobSetActivity("b", 1, 2),
    ]
    assert await storage.job_set_activity("empty") == []


async def test_calls_after_aclose_fail(storage: Storage) -> None:
    await storage.aclose()
    with pytest.raises(Unavailable):
        await storage.get_queue("q")
    with pytest.raises(Unavailable):
        await storage.write(at_ms=1)

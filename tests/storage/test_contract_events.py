"""The `Storage` contract, part 2: the event log (entry ids, exclusive reads, jobs).

Runs against every backend through the `storage` fixture (conftest.py).
"""

from __future__ import annotations

import pytest
from storage_helpers import event, make_job, submit_append

from armada_core.events import EventId, EventKind
from armada_core.ports import Append, Storage

pytestmark = pytest.mark.anyio


def entry(n: int, job_set_id: str = "js", prefix: str = "e") -> Append:
    return Append("q", job_set_id, tuple(event(f"{prefix}{i}") for i in range(n)))


async def log(storage: Storage, job_set_id: str = "js") -> list:
    return await storage.read_events("q", job_set_id, None, 1_000_000)


# --- entry ids -------------------------------------------------------------------------


async def test_events_of_an_entry_are_indexed_and_the_last_is_marked(storage: Storage) -> None:
    [last] = await storage.write(at_ms=1000, appends=[entry(3)])
    ids = [e.id for e in await log(storage)]
    assert ids == [EventId(1000, 0, 0, False), EventId(1000, 0, 1, False), last]
    assert last == EventId(1000, 0, 2, True)


async def test_entry_ids_never_decrease_even_when_the_clock_does(storage: Storage) -> None:
    returned = []
    for at_ms in (1000, 1000, 2000, 1500, 2000, 3000):
        returned += await storage.write(at_ms=at_ms, appends=[entry(1)])
    entries = [(i.ms, i.seq) for i in returned]
    assert entries == [(1000, 0), (1000, 1), (2000, 0), (2000, 1), (2000, 2), (3000, 0)]


async def test_several_appends_in_one_write(storage: Storage) -> None:
    ids = await storage.write(
        at_ms=7, appends=[entry(1), entry(2, "other"), entry(2), entry(1, "other")]
    )
    assert ids == [
        EventId(7, 0, 0, True),
        EventId(7, 0, 1, True),
        EventId(7, 1, 1, True),
        EventId(7, 1, 0, True),
    ]
    assert [e.id for e in await log(storage, "other")] == [
        EventId(7, 0, 0, False),
        EventId(7, 0, 1, True),
        EventId(7, 1, 0, True),
    ]


async def test_job_sets_have_their_own_ids(storage: Storage) -> None:
    await storage.write(at_ms=5, appends=[entry(1), entry(1)])
    [first] = await storage.write(at_ms=5, appends=[entry(1, "fresh")])
    assert first == EventId(5, 0, 0, True)
    assert not await storage.job_set_exists("q", "never")
    assert await storage.job_set_exists("q", "fresh")
    assert not await storage.job_set_exists("other-queue", "fresh")
    assert await storage.read_events("q", "never", None, 10) == []


# --- exclusive reads -------------------------------------------------------------------


async def test_reading_after_any_id_returns_exactly_the_later_events(storage: Storage) -> None:
    for at_ms, n in ((10, 3), (10, 1), (20, 2)):
        await storage.write(at_ms=at_ms, appends=[entry(n)])
    everything = await log(storage)
    assert len(everything) == 6
    for position, stored in enumerate(everything):
        later = await storage.read_events("q", "js", stored.id, 100)
        assert later == everything[position + 1 :]


async def test_paging_with_a_limit_walks_the_log_once(storage: Storage) -> None:
    for at_ms in range(5):
        await storage.write(at_ms=at_ms, appends=[entry(3, prefix=f"{at_ms}-")])
    everything = await log(storage)
    for limit in (1, 2, 4, 100):
        pages, after = [], None
        while page := await storage.read_events("q", "js", after, limit):
            assert len(page) <= limit
            pages += page
            after = page[-1].id
        assert pages == everything


async def test_a_legacy_id_stands_for_its_whole_entry(storage: Storage) -> None:
    await storage.write(at_ms=10, appends=[entry(3)])
    await storage.write(at_ms=10, appends=[entry(2)])
    legacy = EventId.parse("10-0")
    assert [e.id for e in await storage.read_events("q", "js", legacy, 10)] == [
        EventId(10, 1, 0, False),
        EventId(10, 1, 1, True),
    ]
    assert await storage.read_events("q", "js", EventId.parse("10-1"), 10) == []


async def test_ids_that_name_no_event(storage: Storage) -> None:
    await storage.write(at_ms=10, appends=[entry(2)])
    await storage.write(at_ms=30, appends=[entry(1)])
    between = await storage.read_events("q", "js", EventId(20, 5, 0, False), 10)
    assert [e.id for e in between] == [EventId(30, 0, 0, True)]
    beyond_entry = await storage.read_events("q", "js", EventId(10, 0, 7, False), 10)
    assert [e.id for e in beyond_entry] == [EventId(30, 0, 0, True)]
    assert await storage.read_events("q", "js", EventId(99, 0, 0, True), 10) == []
    assert await storage.read_events("q", "js", None, 0) == []


async def test_a_huge_entry_reads_in_pages_from_anywhere(storage: Storage) -> None:
    [last] = await storage.write(at_ms=10, appends=[entry(1100)])
    await storage.write(at_ms=10, appends=[entry(1)])
    assert last == EventId(10, 0, 1099, True)
    everything = await log(storage)
    assert [e.event.job_id for e in everything[:1100]] == [f"e{i}" for i in range(1100)]
    for index in (0, 254, 255, 256, 257, 511, 1098, 1099):
        page = await storage.read_events("q", "js", everything[index].id, 300)
        assert page == everything[index + 1 : index + 301]


# --- what an event carries ---------------------------------------------------------------


async def test_events_round_trip_with_their_fields(storage: Storage) -> None:
    fields = {"reason": "why", "new_priority": 2.5, "nested": {"a": [1, "two", None, True]}}
    sent = (event("j1", EventKind.REPRIORITIZED, **fields), event("j2", EventKind.CANCELLING))
    await storage.write(at_ms=1, appends=[Append("q", "js", sent)])
    assert [e.event for e in await log(storage)] == list(sent)
    assert all((e.queue, e.job_set_id) == ("q", "js") for e in await log(storage))


async def test_submitted_events_carry_their_job(storage: Storage) -> None:
    jobs = [make_job(pod_spec={"containers": [{"name": str(i)}]}) for i in range(3)]
    append = submit_append(jobs)
    await storage.write(at_ms=1, jobs=jobs, appends=[append])
    read = await log(storage)
    assert [e.event for e in read] == list(append.events)
    assert [e.event.job for e in read if e.event.kind == EventKind.SUBMITTED] == jobs
    assert all(e.event.job is None for e in read if e.event.kind == EventKind.QUEUED)
    page = await storage.read_events("q", "js", read[1].id, 2)
    assert [e.event.job for e in page] == [jobs[1], None]


async def test_a_submitted_event_without_its_job_row_keeps_its_job(storage: Storage) -> None:
    job = make_job()
    await storage.write(at_ms=1, appends=[submit_append([job])])  # the job itself not written
    [submitted, _] = await log(storage)
    assert submitted.event.job == job
    assert await storage.get_jobs([job.id]) == {}

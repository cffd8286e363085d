"""The `Storage` contract, part 3: followers see every event exactly once, in order.

A follower uses the documented loop: enter `changes.follow()`, read after its last
id, and wait only when a read comes back empty. Runs against every backend.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import anyio
import anyio.lowlevel
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from storage_helpers import event

from armada_core.events import EventId, StoredEvent
from armada_core.ports import Append, Storage

pytestmark = pytest.mark.anyio

_job_sets = itertools.count()


async def follow(
    storage: Storage, job_set_id: str, after: EventId | None, count: int, page: int = 3
) -> list[StoredEvent]:
    """Read `count` events after `after` the way a watch stream does."""
    seen: list[StoredEvent] = []
    async with storage.changes.follow("q", job_set_id) as waiter:
        while len(seen) < count:
            batch = await storage.read_events("q", job_set_id, after, page)
            if batch:
                seen += batch
                after = batch[-1].id
            else:
                await waiter.wait()
    return seen


async def test_an_append_between_read_and_wait_still_wakes(storage: Storage) -> None:
    async with storage.changes.follow("q", "js") as waiter:
        assert await storage.read_events("q", "js", None, 10) == []
        await storage.write(at_ms=1, appends=[Append("q", "js", (event(),))])
        with anyio.fail_after(5):
            await waiter.wait()  # returns at once: the wake-up was kept
        assert len(await storage.read_events("q", "js", None, 10)) == 1


@dataclass
class Scenario:
    """Appenders (each a list of entry sizes and clock offsets) and follower starts."""

    appenders: list[list[tuple[int, int]]]
    # (appends done before the follower starts, start from the tail instead of the start)
    followers: list[tuple[int, bool]] = field(default_factory=list)

    @property
    def total_appends(self) -> int:
        return sum(len(a) for a in self.appenders)


scenarios = st.builds(
    Scenario,
    appenders=st.lists(
        st.lists(st.tuples(st.integers(1, 4), st.integers(-3, 3)), min_size=1, max_size=6),
        min_size=1,
        max_size=4,
    ),
    followers=st.lists(st.tuples(st.integers(0, 24), st.booleans()), min_size=1, max_size=5),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(scenario=scenarios)
async def test_followers_see_every_event_exactly_once(storage: Storage, scenario) -> None:
    job_set_id = f"js{next(_job_sets)}"  # the store is shared by the examples
    progress = [anyio.Event() for _ in range(scenario.total_appends + 1)]
    progress[0].set()
    done = itertools.count(1)
    results: dict[int, tuple[EventId | None, list[StoredEvent]]] = {}

    async def append(who: int, plan: list[tuple[int, int]]) -> None:
        for number, (size, offset) in enumerate(plan):
            events = tuple(event(f"{who}-{number}-{i}") for i in range(size))
            await storage.write(at_ms=1000 + offset, appends=[Append("q", job_set_id, events)])
            progress[min(next(done), len(progress) - 1)].set()
            await anyio.lowlevel.checkpoint()

    async def watch(who: int, start: int, from_tail: bool) -> None:
        await progress[min(start, scenario.total_appends)].wait()
        before = await storage.read_events("q", job_set_id, None, 10_000) if from_tail else []
        after = before[-1].id if before else None
        total = sum(size for plan in scenario.appenders for size, _ in plan)
        results[who] = (after, await follow(storage, job_set_id, after, total - len(before)))

    with anyio.fail_after(30):  # a lost wake-up would hang a follower
        async with anyio.create_task_group() as tg:
            for who, (start, from_tail) in enumerate(scenario.followers):
                tg.start_soon(watch, who, start, from_tail)
            for who, plan in enumerate(scenario.appenders):
                tg.start_soon(append, who, plan)

    everything = await storage.read_events("q", job_set_id, None, 10_000)
    ids = [e.id for e in everything]
    assert ids == sorted(set(ids))  # strictly increasing
    for who, plan in enumerate(scenario.appenders):
        mine = [e.event.job_id for e in everything if e.event.job_id.startswith(f"{who}-")]
        assert mine == [f"{who}-{n}-{i}" for n, (size, _) in enumerate(plan) for i in range(size)]
    for after, seen in results.values():
        assert seen == [e for e in everything if after is None or e.id > after]

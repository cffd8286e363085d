"""LocalChangeFeed: who is woken, when, and that followers leave nothing behind."""

from __future__ import annotations

import anyio
import pytest
from anyio import wait_all_tasks_blocked

from armada_storage import LocalChangeFeed

pytestmark = pytest.mark.anyio


async def test_notify_wakes_every_follower_of_the_job_set_only() -> None:
    feed = LocalChangeFeed()
    woken: list[str] = []

    async def follower(name: str, job_set_id: str) -> None:
        async with feed.follow("q", job_set_id) as waiter:
            await waiter.wait()
            woken.append(name)

    async with anyio.create_task_group() as tg:
        for name, job_set_id in (("a", "js"), ("b", "js"), ("c", "other")):
            tg.start_soon(follower, name, job_set_id)
        await wait_all_tasks_blocked()
        feed.notify("q", "js")
        feed.notify("other-queue", "other")
        await wait_all_tasks_blocked()
        assert sorted(woken) == ["a", "b"]
        feed.notify("q", "other")
    assert sorted(woken) == ["a", "b", "c"]


async def test_a_wake_up_before_wait_is_kept_and_collapses() -> None:
    feed = LocalChangeFeed()
    async with feed.follow("q", "js") as waiter:
        feed.notify("q", "js")
        feed.notify("q", "js")
        with anyio.fail_after(5):
            await waiter.wait()  # at once
        woke = False

        async def wait_again() -> None:
            nonlocal woke
            await waiter.wait()
            woke = True

        async with anyio.create_task_group() as tg:
            tg.start_soon(wait_again)
            await wait_all_tasks_blocked()
            assert not woke  # the two notifications were one wake-up
            feed.notify("q", "js")
        assert woke


async def test_followers_are_removed_on_exit_even_when_cancelled() -> None:
    feed = LocalChangeFeed()

    async def abandoned(i: int) -> None:
        async with feed.follow("q", f"js{i % 3}") as waiter:
            await waiter.wait()

    async with anyio.create_task_group() as tg:
        for i in range(300):
            tg.start_soon(abandoned, i)
        await wait_all_tasks_blocked()
        assert feed.follower_count() == 300
        tg.cancel_scope.cancel()
    assert feed.follower_count() == 0
    assert feed._waiters == {}  # no empty sets left behind either
    feed.notify("q", "js0")  # nobody follows: a no-op


async def test_a_follower_left_by_an_exception_is_removed() -> None:
    feed = LocalChangeFeed()
    with pytest.raises(RuntimeError):
        async with feed.follow("q", "js"):
            raise RuntimeError("boom")
    assert feed.follower_count() == 0


async def test_a_follower_of_all_job_sets_is_woken_by_any_and_leaves_nothing() -> None:
    feed = LocalChangeFeed()
    woken: list[str] = []

    async def follow_all() -> None:
        async with feed.follow_all() as waiter:
            await waiter.wait()
            woken.append("first")
            await waiter.wait()
            woken.append("second")

    async with anyio.create_task_group() as tg:
        tg.start_soon(follow_all)
        await wait_all_tasks_blocked()
        assert feed.follower_count() == 1
        feed.notify("any-queue", "any-set")
        await wait_all_tasks_blocked()
        assert woken == ["first"]
        feed.notify_all()  # a lost connection's catch-up wakes it too
    assert woken == ["first", "second"]
    assert feed.follower_count() == 0

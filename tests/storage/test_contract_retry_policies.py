"""The storage contract of retry policies, against every backend: records, queue
attachments checked with the queue write, deletion detaching the policy."""

from __future__ import annotations

import anyio
import pytest

from armada_core.ports import Storage
from armada_core.queues import Queue
from armada_core.retry.policy import (
    MemoryBump,
    RetryAction,
    RetryMutation,
    RetryPoliciesMissing,
    RetryPolicy,
    RetryRule,
)

pytestmark = pytest.mark.anyio

FAIL, RETRY = RetryAction.FAIL, RetryAction.RETRY


def full_policy(name: str = "oom") -> RetryPolicy:
    return RetryPolicy(
        name=name,
        retry_limit=3,
        default_action=FAIL,
        rules=(
            RetryRule(RETRY, "oom", "", RetryMutation(True, MemoryBump(factor=1.5))),
            RetryRule(RETRY, "oom", "init", RetryMutation(False, MemoryBump(static="1Gi"))),
            RetryRule(RETRY, "infra", "node", RetryMutation(True, None)),
            RetryRule(FAIL, "user_error"),
        ),
    )


def plain(name: str) -> RetryPolicy:
    return RetryPolicy(name, 1, RETRY)


async def test_a_policy_round_trips_every_field(storage: Storage) -> None:
    assert await storage.get_retry_policy("oom") is None
    await storage.upsert_retry_policy(full_policy())
    stored = await storage.get_retry_policy("oom")
    assert stored == full_policy()
    assert stored is not None and isinstance(stored.default_action, RetryAction)


async def test_policies_are_listed_by_name_and_upsert_replaces(storage: Storage) -> None:
    for name in ("b", "a", "c"):
        await storage.upsert_retry_policy(plain(name))
    await storage.upsert_retry_policy(RetryPolicy("b", 7, FAIL))
    assert await storage.list_retry_policies() == [
        plain("a"),
        RetryPolicy("b", 7, FAIL),
        plain("c"),
    ]


async def test_update_replaces_only_an_existing_policy(storage: Storage) -> None:
    assert not await storage.update_retry_policy(plain("a"))
    assert await storage.get_retry_policy("a") is None
    await storage.upsert_retry_policy(plain("a"))
    assert await storage.update_retry_policy(full_policy("a"))
    assert await storage.get_retry_policy("a") == full_policy("a")


async def test_a_queue_naming_missing_policies_is_not_written(storage: Storage) -> None:
    await storage.upsert_retry_policy(plain("b"))
    with pytest.raises(RetryPoliciesMissing) as caught:
        await storage.upsert_queue(Queue("q", retry_policies=("c", "b", "a")))
    assert caught.value.names == ("c", "a")
    assert await storage.get_queue("q") is None
    await storage.upsert_queue(Queue("q", retry_policies=("b",)))
    with pytest.raises(RetryPoliciesMissing):
        await storage.update_queue(Queue("q", priority_factor=5, retry_policies=("a",)))
    assert await storage.get_queue("q") == Queue("q", retry_policies=("b",))


async def test_a_queue_keeps_its_policies_in_order(storage: Storage) -> None:
    for name in ("a", "b", "c"):
        await storage.upsert_retry_policy(plain(name))
    await storage.upsert_queue(Queue("q", retry_policies=("c", "a", "b")))
    assert await storage.update_queue(Queue("q", retry_policies=("b", "c")))
    queue = await storage.get_queue("q")
    assert queue is not None and queue.retry_policies == ("b", "c")
    assert not await storage.update_queue(Queue("missing", retry_policies=("a",)))


async def test_delete_detaches_the_policy_from_exactly_its_queues(storage: Storage) -> None:
    for name in ("p", "other"):
        await storage.upsert_retry_policy(plain(name))
    await storage.upsert_queue(Queue("q2", retry_policies=("other", "p")))
    await storage.upsert_queue(Queue("q1", retry_policies=("p",)))
    # Names the policy in a label, not as a policy: left as it is.
    await storage.upsert_queue(Queue("q3", labels={"p": "p"}, retry_policies=("other",)))
    assert await storage.delete_retry_policy("p") == ["q1", "q2"]
    assert await storage.get_retry_policy("p") is None
    assert await storage.list_retry_policies() == [plain("other")]
    queues = {q.name: q.retry_policies for q in await storage.list_queues()}
    assert queues == {"q1": (), "q2": ("other",), "q3": ("other",)}
    q3 = await storage.get_queue("q3")
    assert q3 is not None and q3.labels == {"p": "p"}


async def test_deleting_a_missing_policy_changes_nothing(storage: Storage) -> None:
    await storage.upsert_retry_policy(plain("a"))
    await storage.upsert_queue(Queue("q", retry_policies=("a",)))
    assert await storage.delete_retry_policy("nope") == []
    assert await storage.list_retry_policies() == [plain("a")]
    queue = await storage.get_queue("q")
    assert queue is not None and queue.retry_policies == ("a",)


async def test_a_queue_write_racing_a_delete_never_names_a_missing_policy(
    storage: Storage,
) -> None:
    """Whichever commits first, no queue is left naming the deleted policy."""
    for round_ in range(5):
        name = f"p{round_}"
        await storage.upsert_retry_policy(plain(name))
        refused: list[str] = []

        async def attach(queue: str, name: str = name, refused: list[str] = refused) -> None:
            try:
                await storage.upsert_queue(Queue(queue, retry_policies=(name,)))
            except RetryPoliciesMissing:
                refused.append(queue)

        async with anyio.create_task_group() as tg:
            for i in range(4):
                tg.start_soon(attach, f"q{round_}-{i}")
            tg.start_soon(storage.delete_retry_policy, name)
            for i in range(4, 8):
                tg.start_soon(attach, f"q{round_}-{i}")
        assert await storage.get_retry_policy(name) is None
        for queue in await storage.list_queues():
            assert name not in queue.retry_policies, queue
        written = {q.name for q in await storage.list_queues()}
        assert all(f"q{round_}-{i}" in written or f"q{round_}-{i}" in refused for i in range(8))

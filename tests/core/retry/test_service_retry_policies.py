"""Retry policy use cases: permissions first, validation, upsert, NotFound, delete
detaching, and queues naming policies (spec §1.2, §1.3)."""

from __future__ import annotations

import logging

import pytest
from core_support import ADMIN, ALICE

from armada_core.errors import InvalidArgument, NotFound, PermissionDenied
from armada_core.queues import QueueSpec
from armada_core.retry.policy import RetryAction, RetryPolicy, RetryRule
from armada_core.service import ArmadaService

pytestmark = pytest.mark.anyio

POLICY = RetryPolicy("oom", 2, RetryAction.FAIL, (RetryRule(RetryAction.RETRY, "oom"),))


async def test_create_get_list_update(service: ArmadaService) -> None:
    await service.create_retry_policy(ADMIN, POLICY)
    await service.create_retry_policy(ADMIN, RetryPolicy("a", 0, RetryAction.RETRY))
    assert await service.get_retry_policy(ALICE, "oom") == POLICY
    assert [p.name for p in await service.get_retry_policies(ALICE)] == ["a", "oom"]
    changed = RetryPolicy("oom", 5, RetryAction.RETRY)
    await service.update_retry_policy(ADMIN, changed)
    assert await service.get_retry_policy(ALICE, "oom") == changed


async def test_create_overwrites_and_update_needs_an_existing_one(service: ArmadaService) -> None:
    await service.create_retry_policy(ADMIN, POLICY)
    await service.create_retry_policy(ADMIN, RetryPolicy("oom", 9, RetryAction.RETRY))
    assert (await service.get_retry_policy(ALICE, "oom")).retry_limit == 9
    with pytest.raises(NotFound, match=r'^error: could not find retry policy "nope"$'):
        await service.update_retry_policy(ADMIN, RetryPolicy("nope", 0, RetryAction.FAIL))


async def test_get_and_delete_refuse_an_empty_name(service: ArmadaService) -> None:
    for call in (service.get_retry_policy, service.delete_retry_policy):
        with pytest.raises(InvalidArgument, match=r"^retry policy name must not be empty$"):
            await call(ADMIN, "")
    with pytest.raises(NotFound, match='could not find retry policy "x"'):
        await service.get_retry_policy(ADMIN, "x")


async def test_permission_is_checked_before_validation(service: ArmadaService) -> None:
    invalid = RetryPolicy("Not Valid")
    for call, verb in (
        (service.create_retry_policy, "creating"),
        (service.update_retry_policy, "updating"),
    ):
        with pytest.raises(PermissionDenied) as caught:
            await call(ALICE, invalid)
        assert caught.value.message.startswith(f"error {verb} retry policy Not Valid: ")
        assert "create_retry_policy" in caught.value.message or verb == "updating"
    with pytest.raises(PermissionDenied, match=r"^error deleting retry policy : .*delete_retry"):
        await service.delete_retry_policy(ALICE, "")
    with pytest.raises(InvalidArgument, match=r"^invalid retry policy: "):
        await service.create_retry_policy(ADMIN, invalid)


async def test_queues_name_existing_policies_only(service: ArmadaService) -> None:
    await service.create_retry_policy(ADMIN, POLICY)
    with pytest.raises(InvalidArgument) as caught:
        await service.create_queue(ADMIN, QueueSpec("q", 1.0, retry_policies=("x", "oom", "y")))
    assert caught.value.message == 'error creating queue: retry policies do not exist: "x", "y"'
    await service.create_queue(ADMIN, QueueSpec("q", 1.0, retry_policies=("oom", "oom")))
    assert (await service.get_queue(ALICE, "q")).retry_policies == ("oom",)
    with pytest.raises(InvalidArgument, match=r"^error updating queue: retry policies do not "):
        await service.update_queue(ADMIN, QueueSpec("q", 1.0, retry_policies=("z",)))
    failures = await service.create_queues(ADMIN, [QueueSpec("b", 1.0, retry_policies=("z",))])
    assert [f.spec.name for f in failures] == ["b"]


async def test_cordon_keeps_policies_and_update_replaces_them(service: ArmadaService) -> None:
    await service.create_retry_policy(ADMIN, POLICY)
    await service.create_queue(ADMIN, QueueSpec("q", 1.0, retry_policies=("oom",)))
    await service.cordon_queue(ADMIN, "q")
    assert (await service.get_queue(ALICE, "q")).retry_policies == ("oom",)
    await service.update_queue(ADMIN, QueueSpec("q", 1.0))
    assert (await service.get_queue(ALICE, "q")).retry_policies == ()


async def test_delete_detaches_and_always_succeeds(
    service: ArmadaService, caplog: pytest.LogCaptureFixture
) -> None:
    await service.create_retry_policy(ADMIN, POLICY)
    for name in ("b", "a"):
        await service.create_queue(ADMIN, QueueSpec(name, 1.0, retry_policies=("oom",)))
    with caplog.at_level(logging.INFO):
        await service.delete_retry_policy(ADMIN, "oom")
    assert "deleted retry policy oom and detached it from 2 queue(s): a, b" in caplog.text
    assert (await service.get_queue(ALICE, "a")).retry_policies == ()
    await service.delete_retry_policy(ADMIN, "oom")  # missing: no error
    with pytest.raises(NotFound):
        await service.get_retry_policy(ALICE, "oom")

"""Queue use cases: permissions, owner folding, upsert, delete, cordon (spec §4)."""

from __future__ import annotations

import pytest
from core_support import ADMIN, ALICE, QUEUE, make_queue, submit

from armada_core.config import ServiceConfig
from armada_core.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from armada_core.permissions import ALL_VERBS, PermissionConfig
from armada_core.principal import ANONYMOUS
from armada_core.queues import QueuePermission, QueueSpec, Subject
from armada_core.service import ArmadaService
from armada_storage.memory import MemoryStorage

pytestmark = pytest.mark.anyio


async def test_create_makes_the_caller_owner_when_no_user_owners(service: ArmadaService) -> None:
    await service.create_queue(ADMIN, QueueSpec(QUEUE, priority_factor=2.0))
    queue = await service.get_queue(ALICE, QUEUE)
    assert queue.priority_factor == 2.0
    assert queue.permissions == (QueuePermission((Subject("User", "root"),), ALL_VERBS),)


async def test_create_folds_owners_before_explicit_permissions(service: ArmadaService) -> None:
    explicit = QueuePermission((Subject("Group", "team-a"),), ("watch",))
    spec = QueueSpec(QUEUE, 1.0, user_owners=("u1",), group_owners=("g1",), permissions=(explicit,))
    await service.create_queue(ADMIN, spec)
    queue = await service.get_queue(ALICE, QUEUE)
    owner = QueuePermission((Subject("User", "u1"), Subject("Group", "g1")), ALL_VERBS)
    assert queue.permissions == (owner, explicit)


async def test_create_is_an_upsert(service: ArmadaService) -> None:
    await make_queue(service)
    await service.create_queue(ADMIN, QueueSpec(QUEUE, priority_factor=3.0))
    assert (await service.get_queue(ADMIN, QUEUE)).priority_factor == 3.0


async def test_create_needs_create_queue(service: ArmadaService) -> None:
    with pytest.raises(PermissionDenied, match="create_queue"):
        await service.create_queue(ALICE, QueueSpec(QUEUE, 1.0))


async def test_anonymous_create_with_everyone_permissions(storage: MemoryStorage) -> None:
    service = ArmadaService(storage)  # default config: nobody holds anything
    with pytest.raises(PermissionDenied):
        await service.create_queue(ANONYMOUS, QueueSpec(QUEUE, 1.0))


async def test_create_validates_with_armada_prefix(service: ArmadaService) -> None:
    with pytest.raises(InvalidArgument, match=r"^error validating queue: .*priority factor"):
        await service.create_queue(ADMIN, QueueSpec(QUEUE, priority_factor=0.5))


async def test_update_replaces_without_owner_defaulting(service: ArmadaService) -> None:
    await make_queue(service)
    await service.update_queue(ADMIN, QueueSpec(QUEUE, priority_factor=2.0))
    queue = await service.get_queue(ADMIN, QUEUE)
    assert (queue.priority_factor, queue.permissions) == (2.0, ())


async def test_update_of_missing_queue_is_not_found(service: ArmadaService) -> None:
    with pytest.raises(NotFound, match='could not find queue "nope"'):
        await service.update_queue(ADMIN, QueueSpec("nope", 1.0))
    with pytest.raises(NotFound):
        await service.get_queue(ADMIN, "nope")


async def test_update_needs_create_queue_and_validates(service: ArmadaService) -> None:
    await make_queue(service)
    with pytest.raises(PermissionDenied):
        await service.update_queue(ALICE, QueueSpec(QUEUE, 1.0))
    with pytest.raises(InvalidArgument, match=r"^error: "):
        await service.update_queue(ADMIN, QueueSpec(QUEUE, 0.0))


async def test_batch_create_and_update_return_failures(service: ArmadaService) -> None:
    good, bad = QueueSpec("a", 1.0), QueueSpec("b", 0.0)
    failures = await service.create_queues(ADMIN, [good, bad])
    assert [(f.spec, type(f.error)) for f in failures] == [(bad, InvalidArgument)]
    assert [q.name for q in await service.get_queues(ADMIN)] == ["a"]
    failures = await service.update_queues(ADMIN, [QueueSpec("a", 2.0), QueueSpec("zz", 1.0)])
    assert [(f.spec.name, type(f.error)) for f in failures] == [("zz", NotFound)]
    denied = await service.create_queues(ALICE, [good])
    assert [type(f.error) for f in denied] == [PermissionDenied]


async def test_get_queues_sorted_and_limited(service: ArmadaService) -> None:
    for name in ("c", "a", "b"):
        await make_queue(service, name)
    assert [q.name for q in await service.get_queues(ALICE)] == ["a", "b", "c"]
    assert [q.name for q in await service.get_queues(ALICE, limit=2)] == ["a", "b"]
    with pytest.raises(InvalidArgument):
        await service.get_queues(ALICE, limit=-1)


async def test_delete(service: ArmadaService) -> None:
    await make_queue(service)
    with pytest.raises(PermissionDenied, match="delete_queue"):
        await service.delete_queue(ALICE, QUEUE)
    await service.delete_queue(ADMIN, QUEUE)
    await service.delete_queue(ADMIN, QUEUE)  # missing is fine
    with pytest.raises(NotFound):
        await service.get_queue(ADMIN, QUEUE)


async def test_delete_refuses_while_jobs_are_active(service: ArmadaService) -> None:
    await make_queue(service)
    await service.submit_jobs(ADMIN, submit())
    with pytest.raises(FailedPrecondition, match="active jobs"):
        await service.delete_queue(ADMIN, QUEUE)
    assert (await service.get_queue(ADMIN, QUEUE)).name == QUEUE


async def test_cordon_and_uncordon(service: ArmadaService) -> None:
    await make_queue(service)
    await service.cordon_queue(ADMIN, QUEUE)
    assert (await service.get_queue(ADMIN, QUEUE)).cordoned
    await service.uncordon_queue(ADMIN, QUEUE)
    assert not (await service.get_queue(ADMIN, QUEUE)).cordoned


async def test_cordon_errors(service: ArmadaService) -> None:
    with pytest.raises(PermissionDenied, match="cordon_queue"):
        await service.cordon_queue(ALICE, QUEUE)
    with pytest.raises(InvalidArgument):
        await service.cordon_queue(ADMIN, "")
    with pytest.raises(NotFound):
        await service.uncordon_queue(ADMIN, "missing")


async def test_cordoned_queue_still_accepts_jobs(service: ArmadaService) -> None:
    await make_queue(service)
    await service.cordon_queue(ADMIN, QUEUE)
    assert len(await service.submit_jobs(ADMIN, submit())) == 1


async def test_open_server_grants_everyone(storage: MemoryStorage) -> None:
    service = ArmadaService(storage, config=ServiceConfig(PermissionConfig.everyone_may()))
    await service.create_queue(ANONYMOUS, QueueSpec(QUEUE, 1.0))
    queue = await service.get_queue(ANONYMOUS, QUEUE)
    assert queue.permissions[0].subjects == (Subject("User", "anonymous"),)


async def test_health(service: ArmadaService) -> None:
    assert await service.health() is True

"""What every use case shares: the ports, the configuration and common checks."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sized
from dataclasses import dataclass
from typing import TypeVar

from armada_core.config import ServiceConfig
from armada_core.echo import shown
from armada_core.errors import Conflict, InvalidArgument, NotFound
from armada_core.limits import check_queue_name
from armada_core.permissions import QueueVerb
from armada_core.ports import Clock, IdFactory, Storage
from armada_core.principal import Principal
from armada_core.queues import Queue, authorize_queue_action

logger = logging.getLogger(__name__)

T = TypeVar("T")

NS_PER_MS = 1_000_000


def missing_queue(name: str) -> NotFound:
    """Armada's GetQueue wording for a queue that does not exist."""
    return NotFound(f'could not find queue "{shown(name)}"')


@dataclass(frozen=True, slots=True)
class Context:
    """The service's dependencies, handed to every use case."""

    storage: Storage
    config: ServiceConfig
    clock: Clock
    ids: IdFactory

    async def queue(self, name: str) -> Queue:
        """The named queue; NotFound (Armada's GetQueue wording) if it is missing."""
        check_queue_name(name)
        queue = await self.storage.get_queue(name)
        if queue is None:
            raise missing_queue(name)
        return queue

    async def authorized_queue(self, principal: Principal, name: str, verb: QueueVerb) -> Queue:
        """The named queue, once the principal may perform `verb` on it (decision 1)."""
        queue = await self.queue(name)
        authorize_queue_action(self.config.permissions, principal, queue, verb)
        return queue

    def check_count(self, field: str, items: Sized) -> None:
        """A list of the request holds at most `max_request_items` entries."""
        limit = self.config.max_request_items
        if len(items) > limit:
            raise InvalidArgument(
                f"{field} has {len(items)} entries; at most {limit} are allowed per request"
            )

    async def retrying(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """Run `attempt` again (it re-reads) while a concurrent write beats it."""
        for number in range(1, self.config.conflict_retries):
            try:
                return await attempt()
            except Conflict as exc:
                logger.debug("attempt %d lost a race, retrying: %s", number, exc.message)
        return await attempt()

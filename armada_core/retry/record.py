"""A job's retry record: what the retries granted so far change about its next run.

Kept with the job's state (`JobRecord.retry`); `mutations.mutated_job` applies it.
Only the standard library and `memory` here: the jobs module imports this one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from armada_core.retry.memory import MemoryRecord

if TYPE_CHECKING:
    from armada_core.retry.policy import MemoryBump


@dataclass(frozen=True, slots=True)
class RetryMutations:
    """Every mutation granted to a job so far (empty: none)."""

    memory: MemoryRecord = field(default_factory=MemoryRecord)
    avoid_nodes: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return self.memory == MemoryRecord() and not self.avoid_nodes

    def after(self, bump: MemoryBump | None, avoid: Iterable[str]) -> RetryMutations:
        """The record once a retry grants `bump` (skipped if of the other kind) and
        `avoid` (the nodes the job has tried, already including the earlier ones)."""
        memory = self.memory
        if bump is not None:
            memory = memory.accumulate(bump) or memory
        nodes = tuple(dict.fromkeys((*self.avoid_nodes, *avoid)))
        return RetryMutations(memory, nodes)

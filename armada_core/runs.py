"""Runs: one attempt of a job on an executor, as a first-class record.

A run is made when the scheduler places a job on an executor's node; its id is a UUID
string, as Armada's scheduler makes them. `serial` orders runs as their storage
inserted them (0 until stored). `state` uses the numbers of `api.JobRunState`; the
flags Armada's run table has are derived from it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import IntEnum


class RunState(IntEnum):
    """Run states, numbered as `api.JobRunState`."""

    LEASED = 1
    PENDING = 2
    RUNNING = 3
    SUCCEEDED = 4
    FAILED = 5
    PREEMPTED = 6
    CANCELLED = 7
    LEASE_EXPIRED = 8
    LEASE_RETURNED = 9


ACTIVE_RUN_STATES: frozenset[RunState] = frozenset(
    {RunState.LEASED, RunState.PENDING, RunState.RUNNING}
)
_FAILED = frozenset({RunState.FAILED, RunState.LEASE_EXPIRED, RunState.LEASE_RETURNED})


def new_run_id() -> str:
    """A fresh run id (random UUID, lower-case text)."""
    return str(uuid.uuid4())


@dataclass(frozen=True, slots=True)
class Run:
    """One run of a job: where it was placed and how far it got."""

    id: str
    job_id: str
    executor: str
    node: str
    pool: str
    scheduled_at_priority: int
    leased_ns: int
    state: RunState = RunState.LEASED
    serial: int = 0
    pending_ns: int = 0
    running_ns: int = 0
    finished_ns: int = 0
    run_attempted: bool = False
    error: str = ""

    @property
    def is_terminal(self) -> bool:
        """Whether the run has ended (the executor must drop it)."""
        return self.state not in ACTIVE_RUN_STATES

    @property
    def pending(self) -> bool:
        return self.pending_ns != 0

    @property
    def running(self) -> bool:
        return self.running_ns != 0

    @property
    def succeeded(self) -> bool:
        return self.state is RunState.SUCCEEDED

    @property
    def failed(self) -> bool:
        return self.state in _FAILED

    @property
    def cancelled(self) -> bool:
        return self.state is RunState.CANCELLED

    @property
    def preempted(self) -> bool:
        return self.state is RunState.PREEMPTED

    @property
    def returned(self) -> bool:
        return self.state is RunState.LEASE_RETURNED

"""What the metrics report about jobs, as plain values the storage port returns.

`Storage.job_counts()` gives active jobs per queue and state, `Storage.queued_jobs()`
the queued jobs grouped by queue, priority class and resource requests, with the time
each has waited since. Both are read on a timer, never per scrape or per request.

`RunCensus` is what the executor API will report about runs (resources allocated,
run times, cluster capacity); nothing produces it yet, so those figures stay empty
until a `RunCensusSource` is handed to the metrics (see README, "Metrics").
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol, TypeVar

from armada_core.jobs import JobState

R = TypeVar("R", bound=Hashable)


@dataclass(frozen=True, slots=True)
class JobCount:
    """How many jobs of `queue` are in `state` now."""

    queue: str
    state: JobState
    count: int


@dataclass(frozen=True, slots=True)
class QueuedJobs:
    """Queued jobs of one queue sharing a priority class and resource requests.

    `requests` holds canonical quantity text by resource name (per job);
    `queued_since_ns` has one entry per job: when it entered the QUEUED state.
    """

    queue: str
    priority_class: str
    requests: Mapping[str, str]
    queued_since_ns: tuple[int, ...]


def group_queued(
    rows: Iterable[tuple[str, str, R, int]], decode: Callable[[R], Mapping[str, str]]
) -> list[QueuedJobs]:
    """Rows `(queue, priority class, requests as stored, queued since)` grouped.

    Rows are grouped on the stored form of the requests (say, JSON text), which
    `decode` then reads once per group rather than once per job.
    """
    groups: dict[tuple[str, str, R], list[int]] = {}
    for queue, priority_class, requests, since_ns in rows:
        groups.setdefault((queue, priority_class, requests), []).append(since_ns)
    return [
        QueuedJobs(queue, priority_class, decode(requests), tuple(since))
        for (queue, priority_class, requests), since in groups.items()
    ]


@dataclass(frozen=True, slots=True)
class Allocation:
    """Resources held by a queue's runs on one cluster (`amount` in base units)."""

    cluster: str
    pool: str
    priority_class: str
    queue: str
    resource: str
    node_type: str
    amount: float


@dataclass(frozen=True, slots=True)
class Capacity:
    """A cluster's capacity of one resource (`amount` in base units)."""

    cluster: str
    pool: str
    resource: str
    node_type: str
    amount: float


@dataclass(frozen=True, slots=True)
class RunningJobs:
    """Running jobs of one queue and priority class: when each run started."""

    pool: str
    priority_class: str
    queue: str
    started_ns: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class RunCensus:
    """What runs and executors hold now; empty until the executor API reports."""

    allocations: tuple[Allocation, ...] = ()
    capacities: tuple[Capacity, ...] = ()
    running: tuple[RunningJobs, ...] = ()


class RunCensusSource(Protocol):
    """Reads the run figures; called on the metrics timer (the executor API's hook)."""

    async def run_census(self) -> RunCensus: ...

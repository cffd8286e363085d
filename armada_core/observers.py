"""Observer ports: how storage and the scheduler report timings without knowing
who listens (the metrics of the composition root, or nobody).

Observers are called on the hot path: they must be cheap and must not raise.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


class CommitObserver(Protocol):
    """Told of every committed write transaction."""

    def __call__(self, seconds: float, writes: int) -> None:
        """`writes` units of work committed together in `seconds` (wall time)."""


@runtime_checkable
class ObservableStorage(Protocol):
    """A storage backend that reports its commits (SQLite, PostgreSQL, memory)."""

    def observe_commits(self, observer: CommitObserver | None) -> None:
        """Call `observer` after each commit from now on (None: stop)."""


class SchedulerObserver(Protocol):
    """Told of scheduling; the scheduler of the executor API calls it."""

    def cycle_finished(self, seconds: float, placements: int) -> None:
        """A scheduling cycle took `seconds` and placed `placements` jobs."""

    def leadership_changed(self, leader: bool) -> None:
        """This process became (True) or stopped being (False) the leader."""

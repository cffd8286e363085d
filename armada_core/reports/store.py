"""The reports' memory: each pool's most recent round, in this process only.

As in Armada nothing is persisted: a restart starts empty (every report `""`), and
only the process that schedules (the leader) has rounds. A process that finds it is
not the leader drops what it had, so it never answers with a stale round.
"""

from __future__ import annotations

from collections.abc import Iterable

from armada_core.reports.rounds import PoolRound


class ReportStore:
    """Latest round per pool; `leading` is None until the first pass asked."""

    def __init__(self) -> None:
        self._rounds: dict[str, PoolRound] = {}
        self.leading: bool | None = None

    def keep(self, rounds: Iterable[PoolRound]) -> None:
        """A pass of the leader: its rounds replace those of the same pools."""
        self.leading = True
        for round in rounds:
            self._rounds[round.pool] = round

    def step_down(self) -> None:
        """This process does not schedule (another holds the leadership)."""
        self.leading = False
        self._rounds.clear()

    def rounds(self) -> list[PoolRound]:
        """The kept rounds, by pool name."""
        return [self._rounds[pool] for pool in sorted(self._rounds)]

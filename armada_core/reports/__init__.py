"""Scheduler reports: what the most recent round of each pool did, and why jobs wait.

`build.pool_round` keeps a round, `ReportStore` holds the latest per pool, `render`
writes Armada's report texts (spec 3.4-3.6). Memory only, leader only, as Armada.
"""

from __future__ import annotations

from armada_core.reports import render
from armada_core.reports.build import pool_round
from armada_core.reports.rounds import PoolRound, QueueRound
from armada_core.reports.store import ReportStore

__all__ = ["PoolRound", "QueueRound", "ReportStore", "pool_round", "render"]

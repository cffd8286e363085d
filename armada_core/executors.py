"""Executors as the server last saw them: the snapshot each lease call carries.

Resources are exact nano-unit integers by resource name (see `armada_core.quantity`).
A node's id is its executor's id plus its name, as Armada derives it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Resources = Mapping[str, int]


@dataclass(frozen=True, slots=True)
class NodeSnapshot:
    """One node of an executor: capacity, what others use, and the runs on it.

    `non_armada` is the allocation of pods Armada did not start, per priority;
    `run_states` maps each run id on the node to its `api.JobState` name.
    """

    name: str
    total: Resources = field(default_factory=dict)
    non_armada: Mapping[int, Resources] = field(default_factory=dict)
    taints: tuple[Mapping[str, Any], ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    unschedulable: bool = False
    run_states: Mapping[str, str] = field(default_factory=dict)
    pool: str = ""


@dataclass(frozen=True, slots=True)
class Executor:
    """An executor's latest lease call: who, where, when, and what it runs."""

    id: str
    pool: str
    last_seen_ns: int
    nodes: tuple[NodeSnapshot, ...] = ()
    unassigned_run_ids: tuple[str, ...] = ()

    @property
    def reported_run_ids(self) -> list[str]:
        """Every run the executor says it holds: on its nodes, then not yet placed."""
        ids = [run_id for node in self.nodes for run_id in node.run_states]
        return list(dict.fromkeys([*ids, *self.unassigned_run_ids]))


@dataclass(frozen=True, slots=True)
class ExecutorSettings:
    """What an operator set on an executor (api.Executor): a cordon, who set it, when.

    Kept apart from the executor's snapshot, so it survives the executor being deleted
    and applies to an executor not yet seen. No settings = not cordoned.
    """

    executor_id: str
    cordoned: bool = False
    cordon_reason: str = ""
    set_by_user: str = ""
    set_at_ns: int = 0

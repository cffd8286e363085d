"""This machine as one node: its total resources and what running pods hold of them.

A leased run starts only when its requests fit what is free, so jobs queue instead of
overloading the machine. Resources the node does not have (a GPU, say) never fit.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from armada_core.quantity import Quantity

Resources = Mapping[str, Quantity]


def host_resources(configured: Resources, work_dir: Path) -> dict[str, Quantity]:
    """The configured capacity over this host's CPUs, memory and work-dir disk size."""
    memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    disk = shutil.disk_usage(work_dir).total if work_dir.exists() else 0
    host = {
        "cpu": Quantity.parse(os.cpu_count() or 1),
        "memory": Quantity.parse(memory),
        "ephemeral-storage": Quantity.parse(disk),
    }
    return {**host, **configured}


class Capacity:
    def __init__(self, total: Resources) -> None:
        self.total = dict(total)
        self._used: dict[str, Quantity] = {name: Quantity() for name in total}

    def could_ever_fit(self, requests: Resources) -> bool:
        return all(self._within(name, q, Quantity()) for name, q in requests.items())

    def fits(self, requests: Resources) -> bool:
        used = self._used
        return all(
            self._within(name, q, used.get(name, Quantity())) for name, q in requests.items()
        )

    def take(self, requests: Resources) -> None:
        for name, quantity in requests.items():
            if name in self._used:
                self._used[name] = self._used[name] + quantity

    def give_back(self, requests: Resources) -> None:
        for name, quantity in requests.items():
            if name in self._used:
                self._used[name] = self._used[name] + -quantity

    def free(self) -> dict[str, Quantity]:
        return {name: total + -self._used[name] for name, total in self.total.items()}

    def _within(self, name: str, request: Quantity, used: Quantity) -> bool:
        if request.is_zero():
            return True
        total = self.total.get(name)
        return total is not None and used + request <= total

"""Memory and CPU limits through cgroup v2, where this machine lets the executor use it.

Each container gets a cgroup of its own, `<parent>/<run id>-<n>`, with `memory.max` and
`cpu.max` from its limits. The child joins it before it runs the program (a shell
writes its own pid into `cgroup.procs`, then execs), so everything the program starts
is inside. An OOM kill shows in `memory.events`; `cgroup.kill` ends every process in
the group, even those that left the process group.

The parent is `<cgroup2 mount>/armada-executor`, used when the executor is root and the
mount's root offers the `memory` and `cpu` controllers (a host, a VM, a container with
its own cgroup namespace). Elsewhere there is no cgroup and `RLIMIT_AS` limits memory.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from armada_core.quantity import Quantity

MOUNT = Path("/sys/fs/cgroup")
PARENT = "armada-executor"
NEEDED = {"memory", "cpu"}
CPU_PERIOD_US = 100_000
SH = "/bin/sh"
# `sh -c JOIN sh <cgroup.procs> program args...`: join the cgroup, then become the program.
JOIN = 'echo 0 > "$1" && shift && exec "$@"'


@dataclass(frozen=True, slots=True)
class Limits:
    memory_bytes: int | None
    cpu: Quantity | None


class CgroupV2:
    """The parent cgroup of every container this executor runs."""

    def __init__(self, parent: Path) -> None:
        self.parent = parent

    @classmethod
    def detect(cls, mount: Path = MOUNT) -> CgroupV2 | None:
        """The cgroup to use here, None when cgroup v2 cannot limit memory and CPU."""
        controllers = _words(mount / "cgroup.controllers")
        if os.geteuid() != 0 or not controllers >= NEEDED:
            return None
        try:
            _enable(mount)
            parent = mount / PARENT
            parent.mkdir(exist_ok=True)
            _enable(parent)
        except OSError:
            return None
        return cls(parent)

    def create(self, name: str, limits: Limits) -> Path:
        """A new cgroup with `limits` (OSError if the kernel refuses)."""
        group = self.parent / name
        group.mkdir(exist_ok=True)
        if limits.memory_bytes is not None:
            (group / "memory.max").write_text(str(limits.memory_bytes))
            with contextlib.suppress(OSError):  # absent without swap accounting
                (group / "memory.swap.max").write_text("0")
        if limits.cpu is not None:
            quota = max(limits.cpu.milli_value() * CPU_PERIOD_US // 1000, 1000)
            (group / "cpu.max").write_text(f"{quota} {CPU_PERIOD_US}")
        return group

    def joiner(self, group: Path) -> list[str]:
        """The words that make a child join `group` before it execs the rest."""
        return [SH, "-c", JOIN, "sh", str(group / "cgroup.procs")]

    def oom_killed(self, group: Path) -> bool:
        events = dict(_pairs(group / "memory.events"))
        return int(events.get("oom_kill", "0")) > 0

    def kill(self, group: Path) -> None:
        """SIGKILL every process in the group."""
        with contextlib.suppress(OSError):
            (group / "cgroup.kill").write_text("1")

    def remove(self, group: Path) -> None:
        with contextlib.suppress(OSError):
            group.rmdir()

    def sweep(self) -> int:
        """Kill and remove every container cgroup an earlier executor left; how many."""
        groups = [p for p in self.parent.iterdir() if p.is_dir()]
        for group in groups:
            self.kill(group)
            self.remove(group)
        return len(groups)


def _enable(group: Path) -> None:
    missing = NEEDED - _words(group / "cgroup.subtree_control")
    if missing:
        (group / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in sorted(missing)))


def _words(path: Path) -> set[str]:
    try:
        return set(path.read_text().split())
    except OSError:
        return set()


def _pairs(path: Path) -> list[tuple[str, str]]:
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return []
    return [(k, v) for k, _, v in (line.partition(" ") for line in lines)]

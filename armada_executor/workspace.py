"""Per-run directories: a fresh working directory and one directory per emptyDir volume.

`<work dir>/runs` may be traversed but not listed; each run's directory belongs to the
account the job runs as and is closed to everyone else (mode 0700). A run's directory
goes when the run ends, like a pod's writable layer; its logs are kept elsewhere.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from armada_executor.process import RunAs


@dataclass(frozen=True, slots=True)
class RunDirs:
    root: Path
    work: Path
    volumes: Mapping[str, Path]


class Workspace:
    """The `runs` directory of one work directory."""

    def __init__(self, root: Path, run_as: RunAs | None) -> None:
        self.root = root
        self._run_as = run_as
        root.mkdir(parents=True, exist_ok=True)
        root.chmod(0o711)

    def create(self, run_id: str, volumes: tuple[str, ...]) -> RunDirs:
        """The run's directories, owned by the job's account (OSError if impossible)."""
        top = self.root / path_component(run_id)
        dirs = RunDirs(top, top / "work", {v: top / "volumes" / path_component(v) for v in volumes})
        for path in (top, dirs.work, *dirs.volumes.values()):
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
            if self._run_as is not None:
                os.chown(path, self._run_as.uid, self._run_as.gid)
        if volumes and self._run_as is not None:
            os.chown(top / "volumes", self._run_as.uid, self._run_as.gid)
        return dirs

    def remove(self, run_id: str) -> None:
        shutil.rmtree(self.root / path_component(run_id), ignore_errors=True)

    def sweep(self) -> None:
        """Remove every run directory (at start: no run of an earlier executor goes on)."""
        for path in self.root.iterdir():
            shutil.rmtree(path, ignore_errors=True)


def volume_variable(name: str) -> str:
    """`ARMADA_VOLUME_<NAME>`: where an emptyDir volume is, since it cannot be mounted."""
    return "ARMADA_VOLUME_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def path_component(name: str) -> str:
    """A file name made of `name` that cannot climb out of its directory."""
    return name.replace("/", "_").replace("\\", "_").lstrip(".") or "_"

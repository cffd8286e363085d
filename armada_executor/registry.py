"""What survives an executor crash: one small file per active run in the work directory.

A run's file names its job, queue and job set, the process groups it started (with each
leader's start time, so a reused pid is never killed), and once it ended, its final
report. After a crash the next executor kills every recorded group still alive (and
anything left in its session), re-sends final reports and reports the unfinished runs
as failed. The file goes when the final report was delivered.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from armada_executor.files import FileWork, Immediate
from armada_executor.workspace import path_component


@dataclass(slots=True)
class RunRecord:
    run_id: str
    job_id: str
    queue: str
    job_set: str
    groups: list[tuple[int, int]] = field(default_factory=list)  # (pgid, leader start time)
    final_report: str | None = None  # hex of a serialized EventSequence


class Registry:
    """The run files of one work directory."""

    def __init__(self, root: Path, files: FileWork | None = None) -> None:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.root = root
        self._files = files or Immediate()

    def save(self, record: RunRecord) -> None:
        """Record the run as it is now (written soon, after earlier saves)."""
        self._files.submit(_write, self._path(record.run_id), json.dumps(_as_dict(record)))

    def forget(self, run_id: str) -> None:
        self._files.submit(_remove, self._path(run_id))

    def leftovers(self) -> list[RunRecord]:
        """Every run recorded by an earlier executor on this work directory."""
        found = []
        for path in sorted(self.root.glob("*.json")):
            try:
                found.append(_from_dict(json.loads(path.read_text())))
            except (OSError, ValueError, KeyError, TypeError):
                continue  # not ours (files are replaced whole, never half-written)
        return found

    def _path(self, run_id: str) -> Path:
        return self.root / f"{path_component(run_id)}.json"


def _write(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot, None if it does not exist."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])


def kill_leftover(groups: list[tuple[int, int]]) -> int:
    """SIGKILL every recorded group whose leader is the recorded process, and its session.

    How many processes were signalled. Members that outlived their leader are found by
    session id, which they keep unless they left it on purpose.
    """
    sessions = {pgid for pgid, started in groups if start_time(pgid) == started}
    sessions |= {pgid for pgid, _ in groups if _session_has_members(pgid)}
    killed = 0
    for pid in _processes_in_sessions(sessions):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
            killed += 1
    return killed


def _session_has_members(sid: int) -> bool:
    # A leader that died leaves its sid to members; a reused pid would be a new session
    # leader whose own sid equals its pid, which `start_time` already told apart.
    return start_time(sid) is None and any(True for _ in _processes_in_sessions({sid}))


def _processes_in_sessions(sessions: set[int]) -> list[int]:
    if not sessions:
        return []
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[3]) in sessions:  # field 6 of stat: session id
                    found.append(int(entry.name))
    return found


def _as_dict(record: RunRecord) -> dict[str, Any]:
    return {
        "run_id": record.run_id,
        "job_id": record.job_id,
        "queue": record.queue,
        "job_set": record.job_set,
        "groups": record.groups,
        "final_report": record.final_report,
    }


def _from_dict(data: dict[str, Any]) -> RunRecord:
    return RunRecord(
        run_id=data["run_id"],
        job_id=data["job_id"],
        queue=data["queue"],
        job_set=data["job_set"],
        groups=[(int(g), int(t)) for g, t in data["groups"]],
        final_report=data.get("final_report"),
    )

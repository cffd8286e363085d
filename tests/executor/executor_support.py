"""Helpers of the executor tests (imported by name: `from executor_support import ...`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from armada_executor.files import FileWork
from armada_executor.logs import LogStore
from armada_executor.pod import PodIdentity, PodPlan, plan_from_spec
from armada_executor.process import RunAs
from armada_executor.registry import Registry
from armada_executor.runner import Host
from armada_executor.workspace import Workspace


def make_host(root: Path, *, allowed: tuple[str, ...] | None = None) -> Host:
    run_as = RunAs.for_executor("nobody")
    files = FileWork()
    return Host(
        workspace=Workspace(root / "runs", run_as),
        logs=LogStore(root / "logs", max_runs=100, max_age_seconds=3600),
        registry=Registry(root / "registry", files),
        run_as=run_as,
        allowed_programs=allowed,
        max_log_bytes=1 << 20,
        files=files,
    )


def make_plan(spec: dict[str, Any], *, job_id: str = "job1", run_id: str = "run1") -> PodPlan:
    who = PodIdentity(
        run_id=run_id,
        job_id=job_id,
        queue="q",
        job_set="js",
        namespace="ns",
        pod_name=f"armada-{job_id}-0",
        node_name="node",
        labels={},
        annotations=dict(spec.pop("annotations", {})),
    )
    return plan_from_spec(who, spec)


def shell(script: str, name: str = "main", **extra: Any) -> dict[str, Any]:
    return {"name": name, "command": ["sh", "-c", script], **extra}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"


def live_members(pgid: int) -> list[int]:
    """The processes of a group that still run (zombies waiting for their reaper excluded)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                found.append(int(proc.name))
    return found

"""Running one pod: init containers one after another, then every container at once.

The pod succeeds when every container exits 0; otherwise it fails with one
`ContainerFailure` per container that did not. `activeDeadlineSeconds` stops the pod and
fails it as DeadlineExceeded; a cancel stops it and reports nothing. Stopping is
SIGTERM to each process group, `terminationGracePeriodSeconds`, then SIGKILL.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from armada_executor.cgroups import CgroupV2, Limits
from armada_executor.files import FileWork
from armada_executor.logs import LogStore, LogWriter, pump
from armada_executor.messages import DEADLINE_EXCEEDED, OOM
from armada_executor.outcome import ContainerFailure, Outcome, Phase
from armada_executor.pod import ContainerPlan, PodPlan
from armada_executor.process import (
    RunAs,
    StartError,
    TransientStartError,
    exit_code,
    resolve,
    signal_group,
    spawn,
    stop_group,
    wait_group_gone,
)
from armada_executor.registry import Registry, RunRecord, start_time
from armada_executor.workspace import RunDirs, Workspace, path_component, volume_variable

START_ERROR_EXIT = 128
DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"
# What a process says when RLIMIT_AS refuses it memory (no cgroup to tell us it was OOM).
OOM_MARKERS = ("MemoryError", "Cannot allocate memory", "out of memory", "std::bad_alloc")
DRAIN_SECONDS = 5.0
# How long a killed group's members may take to leave before the container's end is told.
LEFTOVER_EXIT_SECONDS = 2.0


class Stop(Enum):
    CANCEL = "cancel"
    DEADLINE = "deadline"
    RETURN = "return"  # the machine could not start a container: the lease goes back


@dataclass(frozen=True, slots=True)
class Host:
    """What every run shares: where it writes, as whom it runs, what it may run."""

    workspace: Workspace
    logs: LogStore
    registry: Registry
    run_as: RunAs | None
    allowed_programs: tuple[str, ...] | None
    max_log_bytes: int
    files: FileWork
    cgroups: CgroupV2 | None = None  # None: RLIMIT_AS for memory, no CPU cap


class PodRun:
    """One pod's processes; `run()` once, `stop()` from anywhere."""

    def __init__(self, plan: PodPlan, host: Host, on_running: Callable[[], None]) -> None:
        self.plan = plan
        self._host = host
        self._on_running = on_running
        self._running_said = False
        self._stopping: Stop | None = None
        self._return_reason = ""
        self._live: dict[asyncio.subprocess.Process, Path | None] = {}  # with its cgroup
        self._stoppers: set[asyncio.Task[None]] = set()
        self._record = RunRecord(plan.run_id, plan.job_id, plan.queue, plan.job_set)

    async def run(self) -> Outcome:
        try:
            dirs = self._host.workspace.create(self.plan.run_id, self.plan.empty_dirs)
            self._host.registry.save(self._record)
        except OSError as exc:
            return Outcome(Phase.RETURNED, f"could not prepare the run's directories: {exc}")
        deadline = self._deadline_timer()
        try:
            return await self._run_pod(dirs)
        except OSError as exc:  # the executor's own files (logs): not the job's fault
            self.stop(Stop.RETURN)
            return self._returned(f"the executor could not run the pod: {exc}")
        except asyncio.CancelledError:  # the executor stops: its registry reports the run later
            for process, group in self._live.items():
                self._kill_leftovers(process, group)
            raise
        finally:
            if deadline is not None:
                deadline.cancel()
            await asyncio.gather(*self._stoppers, return_exceptions=True)
            self._host.files.submit(self._host.workspace.remove, self.plan.run_id)

    def stop(self, why: Stop = Stop.CANCEL) -> None:
        """Stop every process of the pod (and start no more)."""
        if self._stopping is not None:
            return
        self._stopping = why
        for process in list(self._live):
            self._stop_process(process)

    @property
    def record(self) -> RunRecord:
        return self._record

    async def _run_pod(self, dirs: RunDirs) -> Outcome:
        for container in self.plan.init_containers:
            failure = await self._run_container(container, dirs)
            if failure is not None or self._stopping is not None:
                return self._outcome([failure] if failure else [])
        failures = await asyncio.gather(
            *(self._run_container(c, dirs) for c in self.plan.containers)
        )
        return self._outcome([f for f in failures if f is not None])

    def _outcome(self, failures: list[ContainerFailure]) -> Outcome:
        if self._stopping is Stop.CANCEL:
            return Outcome(Phase.CANCELLED)
        if self._stopping is Stop.DEADLINE:
            return Outcome(Phase.FAILED, DEADLINE_MESSAGE, tuple(failures), DEADLINE_EXCEEDED)
        if self._stopping is Stop.RETURN:
            return self._returned(self._return_reason)
        if not failures:
            return Outcome(Phase.SUCCEEDED)
        reason = (
            OOM
            if any(f.kubernetes_reason == OOM for f in failures)
            else failures[0].kubernetes_reason
        )
        names = ", ".join(f"{f.name} ({f.reason}, exit code {f.exit_code})" for f in failures)
        return Outcome(Phase.FAILED, f"containers failed: {names}", tuple(failures), reason)

    async def _run_container(
        self, container: ContainerPlan, dirs: RunDirs
    ) -> ContainerFailure | None:
        if self._stopping is not None:
            return None
        log = LogWriter(
            self._host.logs.run_dir(self.plan.job_id, self.plan.run_id) / f"{container.name}.log",
            self._host.max_log_bytes,
        )
        try:
            return await self._execute(container, dirs, log)
        except TransientStartError as exc:
            self._return_reason = f"container {container.name} could not start now: {exc}"
            log.note(self._return_reason)
            self.stop(Stop.RETURN)
            return None
        except StartError as exc:
            message = f"container {container.name} could not start: {exc}"
            log.note(message)
            return ContainerFailure(container.name, START_ERROR_EXIT, "StartError", message)
        finally:
            log.close()

    async def _execute(
        self, container: ContainerPlan, dirs: RunDirs, log: LogWriter
    ) -> ContainerFailure | None:
        if container.problem:
            raise StartError(container.problem)
        cwd = container.working_dir or str(dirs.work)
        if not os.path.isdir(cwd):
            raise StartError(f"working directory {cwd} does not exist on this host")
        env = {**container.env, **self._volume_env(container, dirs)}
        program = resolve(container.argv[0], env, cwd)
        self._check_allowed(program)
        argv = (program, *container.argv[1:])
        group = self._cgroup(container)
        join = self._host.cgroups.joiner(group) if self._host.cgroups and group else ()
        rlimit = None if group else container.memory_limit  # the cgroup limits memory
        process = await spawn(argv, env, cwd, self._host.run_as, rlimit, before=join)
        self._track(process, group)
        try:
            assert process.stdout is not None
            reader = asyncio.create_task(pump(process.stdout, log))
            code = exit_code(await process.wait())
            self._kill_leftovers(process, group)  # what it left behind ends with it
            await wait_group_gone(process.pid, LEFTOVER_EXIT_SECONDS)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(reader, DRAIN_SECONDS)
        finally:
            self._live.pop(process, None)
        oom = (
            self._host.cgroups is not None
            and group is not None
            and (self._host.cgroups.oom_killed(group))
        )
        if self._host.cgroups is not None and group is not None:
            self._host.files.submit(self._host.cgroups.remove, group)
        return self._judge(container, code, log, oom)

    def _cgroup(self, container: ContainerPlan) -> Path | None:
        if self._host.cgroups is None:
            return None
        limits = Limits(container.memory_limit, container.cpu_limit)
        name = path_component(f"{self.plan.run_id}-{container.name}")
        try:
            return self._host.cgroups.create(name, limits)
        except OSError as exc:
            raise StartError(f"its cgroup could not be made: {exc.strerror or exc}") from None

    def _kill_leftovers(self, process: asyncio.subprocess.Process, group: Path | None) -> None:
        signal_group(process.pid, signal.SIGKILL)
        if self._host.cgroups is not None and group is not None:
            self._host.cgroups.kill(group)

    def _track(self, process: asyncio.subprocess.Process, group: Path | None) -> None:
        self._live[process] = group
        self._record.groups.append((process.pid, start_time(process.pid) or 0))
        self._host.registry.save(self._record)
        if self._stopping is not None:
            self._stop_process(process)
        if not self._running_said:
            self._running_said = True
            self._on_running()

    def _judge(
        self, container: ContainerPlan, code: int, log: LogWriter, oom: bool = False
    ) -> ContainerFailure | None:
        if code == 0:
            return None
        tail = log.tail_text()
        if self._stopping is Stop.DEADLINE:
            return ContainerFailure(
                container.name, code, "DeadlineExceeded", tail, DEADLINE_EXCEEDED
            )
        limited = container.memory_limit is not None
        if oom or (limited and (code == 137 or any(m in tail for m in OOM_MARKERS))):
            return ContainerFailure(container.name, code, "OOMKilled", tail, OOM)
        return ContainerFailure(container.name, code, "Error", tail)

    def _volume_env(self, container: ContainerPlan, dirs: RunDirs) -> dict[str, str]:
        found = {}
        for name, mount_path in container.volume_links.items():
            if name in dirs.volumes:
                found[volume_variable(name)] = str(dirs.volumes[name])
                if mount_path and not os.path.isabs(mount_path):
                    link = dirs.work / mount_path
                    if not link.exists():
                        link.parent.mkdir(parents=True, exist_ok=True)
                        link.symlink_to(dirs.volumes[name])
        return found

    def _check_allowed(self, program: str) -> None:
        allowed = self._host.allowed_programs
        if (
            allowed is not None
            and program not in allowed
            and os.path.basename(program) not in allowed
        ):
            raise StartError(f"{program} is not among local.allowedPrograms")

    def _deadline_timer(self) -> asyncio.TimerHandle | None:
        seconds = self.plan.active_deadline_seconds
        if seconds is None:
            return None
        return asyncio.get_running_loop().call_later(seconds, self.stop, Stop.DEADLINE)

    def _returned(self, message: str) -> Outcome:
        return Outcome(Phase.RETURNED, message, attempted=self._running_said)

    def _stop_process(self, process: asyncio.subprocess.Process) -> None:
        task = asyncio.create_task(self._stop_and_kill(process))
        self._stoppers.add(task)
        task.add_done_callback(self._stoppers.discard)

    async def _stop_and_kill(self, process: asyncio.subprocess.Process) -> None:
        await stop_group(process, self.plan.grace_seconds)
        self._kill_leftovers(process, self._live.get(process))

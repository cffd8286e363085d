"""Pods run as real processes, with Kubernetes' semantics (no server involved)."""

from __future__ import annotations

import asyncio
import errno
import os
import time
from pathlib import Path

import pytest
from executor_support import alive, make_host, make_plan, shell

from armada_executor.logs import read_log
from armada_executor.messages import DEADLINE_EXCEEDED, OOM
from armada_executor.outcome import Outcome, Phase
from armada_executor.runner import PodRun, Stop

pytestmark = pytest.mark.anyio


async def run(work_dir: Path, spec: dict, **host_options) -> tuple[Outcome, PodRun]:
    host = make_host(work_dir, **host_options)
    pod = PodRun(make_plan(spec), host, lambda: None)
    outcome = await pod.run()
    host.files.drain()  # directories go on the file thread
    return outcome, pod


def log_of(work_dir: Path, container: str = "main") -> list[str]:
    return [
        line.line for line in read_log(work_dir / "logs" / "job1" / "run1" / f"{container}.log")
    ]


async def test_echo_succeeds_and_its_log_has_the_line(work_dir):
    outcome, _ = await run(work_dir, {"containers": [shell("echo hi; exit 0")]})
    assert outcome.phase is Phase.SUCCEEDED
    assert log_of(work_dir) == ["hi"]


async def test_exit_3_fails_with_exit_code_3_and_the_output_as_message(work_dir):
    outcome, _ = await run(work_dir, {"containers": [shell("echo oops >&2; exit 3")]})
    assert outcome.phase is Phase.FAILED
    [failure] = outcome.failures
    assert (failure.name, failure.exit_code, failure.reason) == ("main", 3, "Error")
    assert failure.message == "oops"


async def test_a_program_that_does_not_exist_fails_with_a_clear_reason(work_dir):
    spec = {"containers": [{"name": "main", "command": ["no-such-program-xyz"]}]}
    outcome, _ = await run(work_dir, spec)
    [failure] = outcome.failures
    assert failure.reason == "StartError"
    assert "no-such-program-xyz" in failure.message and "container main" in failure.message
    assert "not found" in failure.message


async def test_neither_command_nor_args_names_the_container(work_dir):
    outcome, _ = await run(work_dir, {"containers": [{"name": "lonely"}]})
    [failure] = outcome.failures
    assert failure.reason == "StartError"
    assert "lonely" in failure.message and "neither command nor args" in failure.message


async def test_only_args_runs_args0_as_the_program(work_dir):
    outcome, _ = await run(work_dir, {"containers": [{"name": "main", "args": ["ls"]}]})
    assert outcome.phase is Phase.SUCCEEDED


async def test_init_containers_run_in_order_before_the_containers(work_dir):
    spec = {
        "volumes": [{"name": "shared", "volumeSource": {"emptyDir": {}}}],
        "initContainers": [
            shell(
                'echo one >> "$ARMADA_VOLUME_SHARED/order"',
                "init1",
                volumeMounts=[{"name": "shared", "mountPath": "s"}],
            ),
            shell(
                'sleep 0.2; echo two >> "$ARMADA_VOLUME_SHARED/order"',
                "init2",
                volumeMounts=[{"name": "shared", "mountPath": "s"}],
            ),
        ],
        "containers": [
            shell(
                "echo three >> s/order; cat s/order",
                volumeMounts=[{"name": "shared", "mountPath": "s"}],
            )
        ],
    }
    outcome, _ = await run(work_dir, spec)
    assert outcome.phase is Phase.SUCCEEDED, outcome
    assert log_of(work_dir) == ["one", "two", "three"]


async def test_a_failing_init_container_fails_the_pod_and_nothing_else_runs(work_dir):
    spec = {
        "initContainers": [shell("exit 7", "init")],
        "containers": [shell("echo ran")],
    }
    outcome, _ = await run(work_dir, spec)
    assert outcome.phase is Phase.FAILED
    assert [(f.name, f.exit_code) for f in outcome.failures] == [("init", 7)]
    assert not (work_dir / "logs" / "job1" / "run1" / "main.log").exists()


async def test_environment_has_pod_fields_and_armada_variables(work_dir):
    spec = {
        "annotations": {"armadaproject.io/gangId": "g", "armadaproject.io/gangCardinality": "2"},
        "containers": [
            shell(
                'echo "$POD $NS $ARMADA_JOB_ID $ARMADA_QUEUE $ARMADA_JOB_SET_ID $X '
                '$ARMADA_GANG_ID $ARMADA_GANG_CARDINALITY"; pwd',
                env=[
                    {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                    {"name": "NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
                    {"name": "X", "value": "y"},
                ],
            )
        ],
    }
    outcome, _ = await run(work_dir, spec)
    assert outcome.phase is Phase.SUCCEEDED
    first, cwd = log_of(work_dir)
    assert first == "armada-job1-0 ns job1 q js y g 2"
    assert cwd == str(work_dir / "runs" / "run1" / "work")


async def test_working_dir_is_honoured(work_dir):
    outcome, _ = await run(work_dir, {"containers": [shell("pwd", workingDir="/")]})
    assert outcome.phase is Phase.SUCCEEDED
    assert log_of(work_dir) == ["/"]


async def test_the_run_directory_is_removed_and_was_private(work_dir):
    outcome, _ = await run(work_dir, {"containers": [shell("stat -c %a ..")]})
    assert outcome.phase is Phase.SUCCEEDED
    assert log_of(work_dir) == ["700"]
    assert not (work_dir / "runs" / "run1").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="only a root executor switches user")
async def test_as_root_jobs_run_as_nobody(work_dir):
    outcome, _ = await run(work_dir, {"containers": [shell("id -u")]})
    assert outcome.phase is Phase.SUCCEEDED
    assert log_of(work_dir) == ["65534"]


async def test_memory_limit_is_reported_as_oom(work_dir):
    script = "import sys; b = bytearray(512 * 1024 * 1024); print(len(b))"
    container = {
        "name": "main",
        "command": ["python3", "-c", script],
        "resources": {"limits": {"memory": "128Mi"}, "requests": {"memory": "128Mi"}},
    }
    outcome, _ = await run(work_dir, {"containers": [container]})
    assert outcome.phase is Phase.FAILED
    [failure] = outcome.failures
    assert failure.reason == "OOMKilled"
    assert outcome.kubernetes_reason == OOM


async def test_active_deadline_stops_the_pod_as_deadline_exceeded(work_dir):
    started = time.monotonic()
    outcome, _ = await run(
        work_dir, {"activeDeadlineSeconds": 1, "containers": [shell("sleep 30")]}
    )
    assert outcome.phase is Phase.FAILED
    assert outcome.kubernetes_reason == DEADLINE_EXCEEDED
    assert time.monotonic() - started < 15


async def test_cancel_ends_the_processes_within_the_grace_period(work_dir):
    pids: list[int] = []
    spec = {"terminationGracePeriodSeconds": 2, "containers": [shell("sleep 60 & sleep 60")]}
    pod = PodRun(make_plan(spec), make_host(work_dir), lambda: None)
    task = asyncio.create_task(pod.run())
    while not pod.record.groups:
        await asyncio.sleep(0.02)
    pgid = pod.record.groups[0][0]
    await asyncio.sleep(0.2)
    pids = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _pgid(p) == pgid]
    assert len(pids) >= 2
    started = time.monotonic()
    pod.stop(Stop.CANCEL)
    outcome = await asyncio.wait_for(task, 10)
    assert outcome.phase is Phase.CANCELLED
    assert time.monotonic() - started < 2 + 3
    assert not any(alive(pid) for pid in pids)


async def test_sigterm_ignored_means_sigkill_after_the_grace(work_dir):
    spec = {
        "terminationGracePeriodSeconds": 1,
        "containers": [shell("trap '' TERM; sleep 60 & wait")],
    }
    pod = PodRun(make_plan(spec), make_host(work_dir), lambda: None)
    task = asyncio.create_task(pod.run())
    while not pod.record.groups:
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.2)
    started = time.monotonic()
    pod.stop(Stop.CANCEL)
    assert (await asyncio.wait_for(task, 10)).phase is Phase.CANCELLED
    assert 0.9 < time.monotonic() - started < 5


async def test_the_allow_list_refuses_other_programs(work_dir):
    outcome, _ = await run(work_dir, {"containers": [shell("echo hi")]}, allowed=("ls",))
    [failure] = outcome.failures
    assert failure.reason == "StartError" and "allowedPrograms" in failure.message


def _pgid(proc: Path) -> int:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[2])
    except (OSError, IndexError, ValueError):
        return -1


async def test_a_machine_out_of_processes_returns_the_lease(work_dir, monkeypatch):
    async def no_fork(*args, **kwargs):
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(asyncio, "create_subprocess_exec", no_fork)
    outcome, _ = await run(work_dir, {"containers": [shell("echo hi")]})
    assert outcome.phase is Phase.RETURNED
    assert "could not start now" in outcome.message and not outcome.attempted

"""The executor as its own process: killed with SIGKILL mid-run, restarted, nothing left over."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from executor_support import live_members, shell
from fake_api import FakeExecutorApi, make_lease, start_server, stop_server, wait_until

from armada_executor.events import LOST_MESSAGE
from armada_executor.registry import Registry, RunRecord

pytestmark = pytest.mark.anyio
REPO = Path(__file__).resolve().parents[2]


def start_executor(config: Path) -> subprocess.Popen[bytes]:
    log = (config.parent / "executor.log").open("ab")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "armada_executor", "--config", str(config)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )


def write_config(work_dir: Path, port: int) -> Path:
    path = work_dir / "executor.yaml"
    config = {
        "application": {"clusterId": "crashy", "pool": "default"},
        "executorApiConnection": {"armadaUrl": f"127.0.0.1:{port}", "forceNoTls": True},
        "local": {"workDir": str(work_dir / "data"), "capacity": {"cpu": "2", "memory": "1Gi"}},
    }
    path.write_text(yaml.safe_dump(config))
    return path


def recorded_groups(work_dir: Path) -> list[int]:
    registry = work_dir / "data" / "registry"
    files = list(registry.glob("*.json")) if registry.is_dir() else []
    return [g for f in files for g, _ in json.loads(f.read_text())["groups"]]


async def clean_up(server, work_dir: Path, *executors: subprocess.Popen[bytes] | None) -> None:
    for process in executors:
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    await stop_server(server)
    print((work_dir / "executor.log").read_text())  # shown when the test failed


async def test_sigkill_mid_run_then_restart_leaves_no_orphan_and_ends_the_run(work_dir):
    api = FakeExecutorApi()
    server, port = await start_server(api)
    config = write_config(work_dir, port)
    first = start_executor(config)
    second = None
    try:
        api.add(make_lease("r1", "j1", {"containers": [shell("sleep 60 & sleep 60 & wait")]}))
        await wait_until(lambda: "jobRunRunning" in api.kinds("r1"))
        [pgid] = await wait_until(lambda: recorded_groups(work_dir))
        await wait_until(lambda: len(live_members(pgid)) >= 3)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        time.sleep(0.3)
        survivors = live_members(pgid)
        assert survivors, "the background sleeps outlive their shell: the restart must end them"
        second = start_executor(config)
        await wait_until(lambda: "jobRunErrors" in api.kinds("r1"))
        assert live_members(pgid) == []
        [error] = api.event("r1", "jobRunErrors").errors
        assert error.terminal and error.podError.message == LOST_MESSAGE
        await wait_until(lambda: recorded_groups(work_dir) == [])
    finally:
        await clean_up(server, work_dir, first, second)


async def test_a_run_that_ended_before_the_crash_is_reported_as_it_ended(work_dir):
    api = FakeExecutorApi()
    api.fail_reports = 10**6  # the final report never gets through before the crash
    server, port = await start_server(api)
    config = write_config(work_dir, port)
    first = start_executor(config)
    second = None
    try:
        api.add(make_lease("r1", "j1", {"containers": [shell("echo hi")]}))
        registry = work_dir / "data" / "registry" / "r1.json"
        await wait_until(
            lambda: registry.exists() and json.loads(registry.read_text())["final_report"]
        )
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        api.fail_reports = 0
        second = start_executor(config)
        await wait_until(lambda: "jobRunSucceeded" in api.kinds("r1"))
        await wait_until(lambda: not registry.exists())
    finally:
        await clean_up(server, work_dir, first, second)


def test_logs_command_prints_a_jobs_output(work_dir):
    logs = work_dir / "data" / "logs" / "j1" / "r1"
    logs.mkdir(parents=True)
    (logs / "main.log").write_text(
        "2026-01-01T00:00:00.000000000Z hi\n2026-01-01T00:00:01.000000000Z there\n"
    )
    config = write_config(work_dir, 1)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "armada_executor", "--config", str(config), "logs", "j1"],
        env=env, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (0, "hi\nthere\n")
    missing = subprocess.run(
        [sys.executable, "-m", "armada_executor", "--config", str(config), "logs", "nope"],
        env=env, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert missing.returncode == 1 and "no logs of job nope" in missing.stderr


def test_logs_follow_prints_new_lines_until_the_run_ends(work_dir):
    store_dir = work_dir / "data" / "logs" / "j1" / "r1"
    store_dir.mkdir(parents=True)
    log = store_dir / "main.log"
    log.write_text("2026-01-01T00:00:00.000000000Z first\n")
    registry = Registry(work_dir / "data" / "registry")
    record = RunRecord("r1", "j1", "q", "js")
    registry.save(record)
    config = write_config(work_dir, 1)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    follower = subprocess.Popen(
        [sys.executable, "-m", "armada_executor", "--config", str(config), "logs", "j1", "-f"],
        env=env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert follower.stdout is not None
        assert follower.stdout.readline() == "first\n"
        with log.open("a") as file:
            file.write("2026-01-01T00:00:01.000000000Z second\n")
        assert follower.stdout.readline() == "second\n"
        assert follower.poll() is None  # the run goes on: so does the follower
        record.final_report = "00"
        registry.save(record)
        assert follower.wait(timeout=10) == 0
    finally:
        if follower.poll() is None:
            follower.kill()
            follower.wait()

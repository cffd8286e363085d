"""The real server with the real local executor, over sockets: jobs run to their end.

The server runs the executor in-process (`localExecutor: {enabled: true}`), a client of
its own gRPC port; the restart tests run the executor as its own process. Cases of
Armada's testsuite (basic/submit_1x1, failure_1x1, cancel_by_id_1x1) are among them.
"""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from executor_support import live_members
from test_crash import start_executor

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from e2e_support import ServerProcess
from grpc_calls import ApiCalls, running_processes

from armada_adapters.wire.operations import OPERATIONS

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        "/executorapi.ExecutorApi/LeaseJobRuns" not in OPERATIONS,
        reason="this server does not serve executorapi.ExecutorApi yet",
    ),
]
PERMISSIONS = ("execute_jobs", "submit_any_jobs", "create_queue", "watch_all_events",
               "cancel_any_jobs")  # fmt: skip


def server_config(cwd: Path, *, embedded: bool = True, cpu: str = "4") -> dict[str, Any]:
    config: dict[str, Any] = {
        "storage": {"backend": "sqlite", "sqlite": {"path": str(cwd / "armada.db")}},
        "auth": {
            "anonymousAuth": True,
            "permissionGroupMapping": {name: ["everyone"] for name in PERMISSIONS},
        },
        "metricsPort": 0,
        "scheduler": {"schedulePeriod": "100ms", "cyclePeriod": "200ms"},
    }
    if embedded:
        local = {"workDir": str(cwd / "executor"), "capacity": {"cpu": cpu, "memory": "8Gi"}}
        config["localExecutor"] = {"enabled": True, "local": local}
    return config


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, Path]]:
    cwd = tmp_path_factory.mktemp("stack")
    for path in (cwd, *cwd.parents):  # the jobs' account (nobody) must reach its run dir
        if path.stat().st_mode & 0o001 == 0 and str(path).startswith("/tmp/"):
            path.chmod(path.stat().st_mode | 0o001)
    server = ServerProcess(cwd, server_config(cwd), {}).wait_ready()
    try:
        yield server, cwd
    finally:
        server.stop()


@pytest.fixture
def api(stack: tuple[ServerProcess, Path]) -> Iterator[ApiCalls]:
    calls = ApiCalls(stack[0].grpc_port)
    try:
        yield calls
    finally:
        calls.close()


def shell(script: str, **extra: Any) -> dict[str, Any]:
    return {"name": "main", "image": "alpine", "command": ["sh", "-c", script], **extra}


def test_echo_succeeds_and_its_log_has_hi(api, stack):
    job_id = api.submit(shell("echo hi; exit 0"))
    events = api.until_ended(job_id)
    assert events[-1].WhichOneof("events") == "succeeded"
    kinds = [e.WhichOneof("events") for e in events]
    assert "running" in kinds
    assert api.logs(stack[1] / "executor", job_id) == "hi\n"


def test_exit_3_fails_with_exit_code_3(api):
    failed = api.until_ended(api.submit(shell("exit 3")))[-1].failed
    assert failed.exit_codes["main"] == 3
    assert (failed.failure_category, failed.failure_subcategory) == ("exit-code", "3")


def test_a_command_that_does_not_exist_fails_with_a_clear_reason(api):
    failed = api.until_ended(api.submit({"name": "main", "command": ["no-such-cmd-xyz"]}))[-1]
    assert failed.WhichOneof("events") == "failed"
    assert "no-such-cmd-xyz" in str(failed.failed) and "not found" in str(failed.failed)
    assert failed.failed.failure_category == "start-error"


def test_init_containers_run_first_and_a_failing_one_fails_the_pod(api, stack):
    spec_ok = {
        "initContainers": [shell("echo init", name="init")],
        "containers": [shell("echo main")],
    }
    job_id = api.submit_spec(spec_ok)
    assert api.until_ended(job_id)[-1].WhichOneof("events") == "succeeded"
    assert api.logs(stack[1] / "executor", job_id) == "init\nmain\n"
    spec_bad = {
        "initContainers": [shell("exit 4", name="init")],
        "containers": [shell("echo main")],
    }
    failed = api.until_ended(api.submit_spec(spec_bad))[-1].failed
    assert failed.exit_codes["init"] == 4 and "main" not in failed.exit_codes


def test_variable_references_expand_as_kubernetes_expands_them(api, stack):
    container = {
        "name": "main",
        "command": ["echo", "$(GREETING)"],
        "args": ["$(ARMADA_QUEUE)", "$$(GREETING)", "$(NOT_SET)"],
        "env": [
            {"name": "WHO", "value": "world"},
            {"name": "GREETING", "value": "hello-$(WHO)"},
        ],
    }
    job_id = api.submit(container)
    assert api.until_ended(job_id)[-1].WhichOneof("events") == "succeeded"
    logged = api.logs(stack[1] / "executor", job_id)
    assert logged == "hello-world e2e $(GREETING) $(NOT_SET)\n"


def test_active_deadline_fails_the_job_as_deadline_exceeded(api):
    job_id = api.submit_spec({"activeDeadlineSeconds": 1, "containers": [shell("sleep 30")]})
    failed = api.until_ended(job_id, timeout=30)[-1].failed
    assert failed.cause == 3  # api.Cause.DeadlineExceeded
    assert (failed.failure_category, failed.failure_subcategory) == ("internal", "active-deadline")


def test_memory_past_its_limit_fails_as_oom(api):
    script = "b = bytearray(512 * 1024 * 1024)"
    container = {"name": "main", "command": ["python3", "-c", script]}
    failed = api.until_ended(api.submit(container, memory="128Mi"))[-1].failed
    assert failed.cause == 2  # api.Cause.OOM
    assert failed.failure_category == "oom"


def test_testsuite_submit_1x1_ls_succeeds(api):
    job_id = api.submit({"name": "ls", "image": "alpine:3.18", "args": ["ls"]})
    assert api.until_ended(job_id)[-1].WhichOneof("events") == "succeeded"


def test_testsuite_failure_1x1_exit_1_fails(api):
    job_id = api.submit({"name": "ls", "image": "alpine:3.18", "command": ["sh", "-c", "exit 1"]})
    event = api.until_ended(job_id)[-1]
    assert event.WhichOneof("events") == "failed" and event.failed.exit_codes["ls"] == 1


def test_testsuite_cancel_by_id_1x1(api):
    job_id = api.submit(shell("sleep 60", name="sleeper"), grace=2)
    api.until_kind(job_id, "running")
    marker = "sleep 60"
    assert running_processes(marker, job_id)
    api.cancel(job_id)
    assert api.until_ended(job_id)[-1].WhichOneof("events") == "cancelled"
    deadline = time.monotonic() + 2 + 5  # a lease round, then the grace period
    while running_processes(marker, job_id) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert running_processes(marker, job_id) == []


def test_four_cpus_run_at_most_four_one_cpu_jobs_at_once(api):
    marker = "sleep 0.731"
    job_ids = [api.submit(shell(marker), cpu="1") for _ in range(10)]
    most = 0
    deadline = time.monotonic() + 60
    while not all(api.ended(j) for j in job_ids):
        assert time.monotonic() < deadline, "the ten jobs did not end"
        most = max(most, len(running_processes(marker)))
        time.sleep(0.02)
    assert 2 <= most <= 4
    assert all(api.ended(j).WhichOneof("events") == "succeeded" for j in job_ids)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_server_restart_mid_run_and_executor_sigkill_mid_run(tmp_path_factory):
    """Jobs still finish across a server restart; an executor killed with SIGKILL and
    started again leaves no process behind and the job ends in a terminal state."""
    cwd = tmp_path_factory.mktemp("restarts")
    cwd.chmod(0o711)
    port = free_port()
    env = {"ARMADA_GRPCPORT": str(port)}
    server = ServerProcess(cwd, server_config(cwd, embedded=False), env).wait_ready()
    executor_config = write_executor_config(cwd, port)
    executor = start_executor(executor_config)
    try:
        api = ApiCalls(port)
        job_id = api.submit(shell("sleep 2; echo done"))
        api.until_kind(job_id, "running")
        server.stop()
        server = ServerProcess(cwd, server_config(cwd, embedded=False), env).wait_ready()
        assert api.until_ended(job_id, timeout=60)[-1].WhichOneof("events") == "succeeded"

        job_id = api.submit(shell("sleep 60 & sleep 60 & wait"))
        api.until_kind(job_id, "running")
        groups = recorded_groups(cwd / "executor")
        executor.kill()
        executor.wait(timeout=10)
        executor = start_executor(executor_config)
        assert api.until_ended(job_id, timeout=60)[-1].WhichOneof("events") == "failed"
        assert all(live_members(pgid) == [] for pgid in groups)
        api.close()
    finally:
        executor.kill()
        executor.wait(timeout=10)
        server.stop()


def write_executor_config(cwd: Path, port: int) -> Path:
    import yaml

    path = cwd / "executor.yaml"
    config = {
        "executorApiConnection": {"armadaUrl": f"127.0.0.1:{port}", "forceNoTls": True},
        "local": {"workDir": str(cwd / "executor"), "capacity": {"cpu": "2", "memory": "2Gi"}},
    }
    path.write_text(yaml.safe_dump(config))
    return path


def recorded_groups(work_dir: Path) -> list[int]:
    import json

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        files = list((work_dir / "registry").glob("*.json"))
        groups = [g for f in files for g, _ in json.loads(f.read_text())["groups"]]
        if groups:
            return groups
        time.sleep(0.05)
    raise AssertionError("the run's process group was never recorded")


def test_without_a_config_file_the_server_runs_a_submitted_job(tmp_path_factory):
    """The one-command development stack: loopback only, anonymous, a local executor."""
    cwd = tmp_path_factory.mktemp("no-config")
    cwd.chmod(0o711)
    server = ServerProcess(cwd, None, {}).wait_ready()  # (loopback: test_server_default)
    try:
        api = ApiCalls(server.grpc_port)
        job_id = api.submit(shell("echo hi"))
        assert api.until_ended(job_id)[-1].WhichOneof("events") == "succeeded"
        assert api.logs(cwd / "data" / "executor", job_id) == "hi\n"
        api.close()
    finally:
        server.stop()

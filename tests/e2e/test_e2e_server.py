"""The server process itself: no config at all, shutdown on signals, start-up errors."""

from __future__ import annotations

import re
import signal
import socket
import urllib.request
from pathlib import Path

import grpc
import pytest
from armada_client.armada import event_pb2
from armada_client.client import ArmadaClient
from e2e_support import ServerProcess, run_to_exit
from test_e2e_client import pod_spec

pytestmark = pytest.mark.e2e


def open_server(tmp_path: Path, config: dict[str, object] | None = None) -> ServerProcess:
    return ServerProcess(tmp_path, config, {}).wait_ready()


def test_with_no_config_it_runs_on_sqlite_as_anonymous(tmp_path: Path) -> None:
    server = open_server(tmp_path)
    try:
        with grpc.insecure_channel(server.grpc_target) as channel:
            client = ArmadaClient(channel)
            client.create_queue(client.create_queue_request("q", 1.0))
            item = client.create_job_request_item(namespace="ns", pod_spec=pod_spec())
            client.submit_jobs(queue="q", job_set_id="s", job_request_items=[item])
            owner = client.get_queue("q").permissions[0].subjects[0]
    finally:
        assert server.stop() == 0
    assert (owner.kind, owner.name) == ("User", "anonymous")
    assert (tmp_path / "data" / "armada.db").is_file()
    assert re.search(r"WARNING .* authentication is off", server.stderr_text())


def test_data_survives_a_restart_on_the_same_file(tmp_path: Path) -> None:
    first = open_server(tmp_path)
    with grpc.insecure_channel(first.grpc_target) as channel:
        ArmadaClient(channel).create_queue(ArmadaClient(channel).create_queue_request("kept", 2.0))
    assert first.stop() == 0
    second = open_server(tmp_path)
    try:
        with grpc.insecure_channel(second.grpc_target) as channel:
            assert ArmadaClient(channel).get_queue("kept").priority_factor == 2.0
    finally:
        assert second.stop() == 0


def test_rest_is_served_beside_grpc(tmp_path: Path) -> None:
    server = open_server(tmp_path, {"storage": {"backend": "memory"}})
    try:
        url = f"http://127.0.0.1:{server.http_port}/health"
        with urllib.request.urlopen(url, timeout=10) as response:
            status = response.status
    finally:
        assert server.stop() == 0
    assert status in (200, 204)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_ends_watchers_and_stops_cleanly(tmp_path: Path, sig: int) -> None:
    server = open_server(tmp_path, {"storage": {"backend": "memory"}})
    with grpc.insecure_channel(server.grpc_target) as channel:
        client = ArmadaClient(channel)
        client.create_queue(client.create_queue_request("q", 1.0))
        request = event_pb2.JobSetRequest(queue="q", id="s", watch=True)
        watch = client.event_stub.GetJobSetEvents(request, timeout=15)
        exit_code = server.stop(sig)
        with pytest.raises(grpc.RpcError) as ended:
            next(iter(watch))
    assert exit_code == 0
    assert ended.value.code() is grpc.StatusCode.UNAVAILABLE
    assert "stopped" in server.stderr_text()


def startup_failure(tmp_path: Path, config_text: str | None, *args: str) -> tuple[int, str]:
    if config_text is not None:
        (tmp_path / "bad.yaml").write_text(config_text, encoding="utf-8")
        args = ("--config", str(tmp_path / "bad.yaml"), *args)
    result = run_to_exit(tmp_path, list(args))
    return result.returncode, result.stderr


@pytest.mark.parametrize(
    ("config_text", "expected"),
    [
        ("grpcPort: [1, 2\n", "not valid YAML"),
        ("grpcPortt: 50051\n", "unknown key grpcPortt; known keys: grpcPort"),
        ("storage:\n  backend: oracle\n", "unknown storage backend 'oracle'"),
        ("auth:\n  ldapAuth: {}\n", "unknown auth method auth.ldapAuth"),
        ("queryapi:\n  maxQueryItems: many\n", "queryapi.maxQueryItems must be an integer"),
    ],
    ids=["bad-yaml", "unknown-key", "unknown-storage", "unknown-auth", "bad-type"],
)
def test_config_errors_are_one_line_and_exit_2(
    tmp_path: Path, config_text: str, expected: str
) -> None:
    code, stderr = startup_failure(tmp_path, config_text)
    last = stderr.strip().splitlines()[-1]
    assert code == 2
    assert last.startswith("armada-server: ") and expected in last
    assert "Traceback" not in stderr


def test_a_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    code, stderr = startup_failure(tmp_path, None, "--config", str(tmp_path / "nope.yaml"))
    assert code == 2 and "cannot read config file" in stderr and "Traceback" not in stderr


def test_a_port_in_use_is_a_startup_error(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = run_to_exit(tmp_path, [], {"ARMADA_GRPCPORT": str(port)})
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_config_path_can_come_from_the_environment(tmp_path: Path) -> None:
    (tmp_path / "env.yaml").write_text("storage:\n  backend: memory\n", encoding="utf-8")
    server = ServerProcess(tmp_path, None, {"ARMADA_CONFIG": str(tmp_path / "env.yaml")})
    server.wait_ready()
    assert server.stop() == 0
    assert not (tmp_path / "data").exists()  # memory storage: no default SQLite file

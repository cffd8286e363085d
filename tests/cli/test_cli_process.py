"""armadactl as a user runs it (`python -m armada_cli`): one error line, no traceback."""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Iterator
from pathlib import Path

from cli_support import Armadactl, closed_port, subprocess_armadactl
from e2e_support import ServerProcess
from grpclib.server import Server


def test_unreachable_server_is_one_line_without_traceback(tmp_path: Path) -> None:
    result = subprocess_armadactl(
        "--armadaUrl", f"localhost:{closed_port()}", "get", "queue", "q", home=tmp_path
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert errors == [errors[0]] and "failed to connect to api because" in errors[0]


def test_broken_config_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / ".armadactl.yaml").write_text("contexts: [unclosed\n")
    result = subprocess_armadactl("config", "get-contexts", home=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("Error: error reading config file ")
    assert len(result.stderr.splitlines()) == 1


def test_commands_a_server_does_not_serve(tmp_path: Path) -> None:
    """Against a gRPC server without the services (an older Armada): one clear line."""
    with _bare_grpc_server() as port:
        for args, what in (
            (("get", "queue-report", "q"), "get queue-report"),
            (("cordon", "executor", "ex", "maintenance"), "cordon executor"),
            (("delete", "executor", "ex"), "delete executor"),
        ):
            url = ("--armadaUrl", f"localhost:{port}")
            result = subprocess_armadactl(*url, *args, home=tmp_path)
            assert result.returncode == 1, args
            errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
            assert len(errors) == 1, result.stderr
            assert errors[0].startswith(f"Error: {what} is not supported by this server")
            assert "Traceback" not in result.stderr


@contextlib.contextmanager
def _bare_grpc_server() -> Iterator[int]:
    """A real gRPC server (grpclib) with no service at all, on a thread of its own."""
    started: queue.Queue[int] = queue.Queue()
    stop = threading.Event()

    async def serve() -> None:
        server = Server([])
        await server.start("127.0.0.1", 0)
        started.put(server._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        while not stop.is_set():
            await asyncio.sleep(0.05)
        server.close()
        await server.wait_closed()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    try:
        yield started.get(timeout=10)
    finally:
        stop.set()
        thread.join(timeout=10)


def test_retry_policy_files_are_strict(armadactl: Armadactl, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "apiVersion: armadaproject.io/v1beta1\nkind: RetryPolicy\nname: p1\nretry_limit: 3\n"
    )
    result = armadactl("create", "-f", str(policy), "--dry-run")
    assert result.err == f'Error: file {policy} error: line 4: unknown field "retry_limit"\n'


def test_console_entry_runs_a_command(server: ServerProcess, tmp_path: Path) -> None:
    result = subprocess_armadactl(
        "--armadaUrl",
        f"localhost:{server.grpc_port}",
        "create",
        "queue",
        "viaprocess",
        home=tmp_path,
    )
    assert (result.returncode, result.stdout) == (0, "Created queue viaprocess\n")
    assert "No context defined" in result.stderr  # the legacy notice, kept off stdout

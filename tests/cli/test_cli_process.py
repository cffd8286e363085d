"""armadactl as a user runs it (`python -m armada_cli`): one error line, no traceback."""

from __future__ import annotations

from pathlib import Path

from cli_support import Armadactl, closed_port, subprocess_armadactl
from e2e_support import ServerProcess


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


def test_commands_the_server_does_not_serve(armadactl: Armadactl) -> None:
    for args, what in (
        (("cancel", "executor", "ex", "-a", "-q", "q"), "cancel executor"),
        (("cordon", "executor", "ex", "maintenance"), "cordon executor"),
        (("preempt", "node", "n", "-e", "ex", "-a", "-q", "q"), "preempt node"),
        (("delete", "executor", "ex"), "delete executor"),
    ):
        result = armadactl(*args)
        assert result.code == 1, args
        assert result.err.startswith(f"Error: {what} is not supported by this server"), result.err
        assert len(result.err.splitlines()) == 1


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

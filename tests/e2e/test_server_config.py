"""The reference server's configuration and composition root, in process."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
from pathlib import Path

import pytest
import yaml
from e2e_support import run_to_exit
from grpclib.client import Channel

from armada_adapters.grpc._betterproto import api
from armada_adapters.server.bootstrap import StartupError, permissions_for, run, serve
from armada_adapters.server.config import (
    DEFAULT_SQLITE_PATH,
    ConfigError,
    config_path,
    load_config,
    parse_config,
)
from armada_adapters.server.listeners import Endpoints
from armada_core.permissions import OPEN_SERVER, Permission, PermissionConfig
from armada_core.principal import ANONYMOUS, Principal


def test_no_config_means_sqlite_in_data_and_authentication_off() -> None:
    config = load_config(None)
    assert (config.grpc_port, config.http_port) == (50051, 8080)
    assert config.storage == {"backend": "sqlite", "sqlite": {"path": DEFAULT_SQLITE_PATH}}
    assert not config.authentication_configured
    permissions = permissions_for(config)
    assert permissions == PermissionConfig.everyone_may(OPEN_SERVER)
    assert permissions.holds(ANONYMOUS, Permission.EXECUTE_JOBS)


def test_keys_match_ignoring_case_as_armada_does() -> None:
    config = parse_config({"GRPCPORT": 1234, "httpport": 0, "QueryApi": {"MAXQUERYITEMS": 7}})
    assert (config.grpc_port, config.http_port, config.max_query_items) == (1234, 0, 7)


def test_armada_only_keys_are_warned_about_not_refused(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        parse_config({"profiling": {"port": 6060}, "pulsar": {"url": "x"}})
    assert "profiling" in caplog.text and "pulsar" in caplog.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"grpcPort": 70000}, "port number"),
        ({"grpcPort": "fifty"}, "grpcPort must be an integer"),
        ({"storagee": {}}, "unknown key storagee; known keys: grpcPort"),
        ({"corsAllowedOrigins": "http://x"}, "corsAllowedOrigins must be a list"),
        ({"shutdownGracePeriod": "soon"}, "duration"),
        ({"auth": ["anonymousAuth"]}, "auth must be a mapping"),
    ],
)
def test_bad_values_are_config_errors(data: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(data)


@pytest.mark.parametrize(
    ("text", "seconds"), [("500ms", 0.5), ("10s", 10.0), ("2m", 120.0), (3, 3.0)]
)
def test_grace_period_takes_go_durations(text: object, seconds: float) -> None:
    assert parse_config({"shutdownGracePeriod": text}).shutdown_grace_seconds == seconds


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("grpcPort: 1\nbindAddress: 10.0.0.1\n", encoding="utf-8")
    config = load_config(path, {"ARMADA_GRPCPORT": "0", "ARMADA_BINDADDRESS": "127.0.0.1"})
    assert (config.grpc_port, config.bind_address, config.source) == (0, "127.0.0.1", path)


def test_the_command_line_path_wins_over_the_environment() -> None:
    assert config_path("a.yaml", {"ARMADA_CONFIG": "b.yaml"}) == Path("a.yaml")
    assert config_path(None, {"ARMADA_CONFIG": "b.yaml"}) == Path("b.yaml")
    assert config_path(None, {}) is None


def test_permission_mappings_come_from_the_auth_section() -> None:
    auth = {"anonymousAuth": True, "permissionGroupMapping": {"create_queue": ["admins"]}}
    permissions = permissions_for(parse_config({"auth": auth}))
    admin = Principal("root", groups=frozenset({"admins"}))
    assert permissions.holds(admin, Permission.CREATE_QUEUE)
    assert not permissions.holds(ANONYMOUS, Permission.CREATE_QUEUE)


def test_permission_mappings_are_read_under_the_config_policy() -> None:
    auth = {"anonymousAuth": True, "PERMISSIONGROUPMAPPING": {"create_queue": "admins"}}
    with pytest.raises(StartupError, match=r"auth\.permissionGroupMapping\.create_queue must"):
        permissions_for(parse_config({"auth": auth}))  # a string is not a list of groups


def test_a_bad_config_file_is_a_startup_error(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text("grpcPort: [\n", encoding="utf-8")
    with pytest.raises(StartupError, match="not valid YAML"):
        run(str(tmp_path / "c.yaml"), environ={})


@pytest.mark.anyio
async def test_serve_runs_in_an_existing_loop_until_stopped() -> None:
    config = parse_config(
        {"grpcPort": 0, "httpPort": 0, "bindAddress": "127.0.0.1", "storage": {"backend": "memory"}}
    )
    stop = asyncio.Event()
    ready: asyncio.Future[Endpoints] = asyncio.get_running_loop().create_future()
    server = asyncio.create_task(serve(config, stop=stop, on_ready=ready.set_result))
    endpoints = await asyncio.wait_for(ready, timeout=10)
    channel = Channel("127.0.0.1", endpoints.grpc_port)
    try:
        health = await api.SubmitStub(channel).health()
    finally:
        channel.close()
    stop.set()
    await asyncio.wait_for(server, timeout=10)
    assert health.status == api.HealthCheckResponseServingStatus.SERVING
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", endpoints.grpc_port), timeout=5).close()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# --- the command line, for a newcomer (issue 9, finding 9) ----------------------------


def test_version_is_printed(tmp_path: Path) -> None:
    result = run_to_exit(tmp_path, ["--version"])
    assert result.returncode == 0
    assert re.fullmatch(r"armada-server \S+\n", result.stdout)


def test_help_names_the_ports_the_data_folder_and_the_config_option(tmp_path: Path) -> None:
    result = run_to_exit(tmp_path, ["--help"])
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for expected in ("--config", "50051", "8080", DEFAULT_SQLITE_PATH, "--version"):
        assert expected in text, expected
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "auth",
    [
        {"basicAuth": {"users": {"a": {"password": "pbkdf2_sha256$x"}}}},
        {"noSuchAuth": {}},
        "not a mapping",
    ],
)
def test_a_bad_config_creates_nothing(tmp_path: Path, auth: object) -> None:
    """Every section is checked before the database is created or migrated."""
    config = tmp_path / "armada.yaml"
    config.write_text(yaml.safe_dump({"auth": auth}), encoding="utf-8")
    workdir = tmp_path / "empty"
    workdir.mkdir()
    result = run_to_exit(workdir, ["--config", str(config)])
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("armada-server: ")
    assert list(workdir.iterdir()) == []

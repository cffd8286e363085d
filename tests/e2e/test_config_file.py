"""The real server with a config file holding every section, and with a mistyped key."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from armada_client.client import ArmadaClient
from e2e_support import ServerProcess, run_to_exit
from joserfc.jwk import RSAKey

pytestmark = pytest.mark.e2e

NO_SCHEDULE = {"operator": "Equal", "value": "true", "effect": "NoSchedule"}


def full_config(folder: Path) -> dict[str, Any]:
    """Every section the server reads, Armada's spelling; plus keys only Armada uses."""
    jwks = folder / "jwks.json"
    jwks.write_text(json.dumps({"keys": [RSAKey.generate_key(2048).as_dict(private=False)]}))
    return {
        "grpcPort": 50051,  # the test's environment sets 0 (ARMADA_GRPCPORT)
        "httpPort": 8080,
        "metricsPort": 9000,
        "bindAddress": "127.0.0.1",
        "corsAllowedOrigins": ["http://localhost:3000"],
        "metrics": {"refreshInterval": "15s"},
        "logging": {"format": "json", "requests": True, "healthChecks": False},
        "storage": {
            "backend": "sqlite",
            "sqlite": {"path": str(folder / "armada.db"), "synchronous": "normal"},
        },
        "submission": {
            "allowedPriorityClassNames": {"armada-default": True, "armada-preemptible": True},
            "defaultPriorityClassName": "armada-default",
            "defaultJobLimits": {"cpu": "1", "memory": "1Gi"},
            "defaultJobTolerations": [{"key": "armadaproject.io/armada", **NO_SCHEDULE}],
            "defaultJobTolerationsByResourceRequest": [
                {"nvidia.com/gpu": [{"key": "armadaproject.io/gpu", **NO_SCHEDULE}]}
            ],
            "maxPodSpecSizeBytes": 65535,
            "minTerminationGracePeriod": "1s",
            "maxTerminationGracePeriod": "5m",
            "defaultActiveDeadline": "72h",
            "defaultNamespace": "jobs",
        },
        "queryapi": {"maxQueryItems": 500},
        "shutdownGracePeriod": "10s",
        "connections": {
            "maxPerListener": 100,
            "httpHeaderTimeout": "10s",
            "httpBodyTimeout": "1m",
            "httpIdleTimeout": "1m",
            "grpcIdleTimeout": "5m",
        },
        "requestLimits": {"maxMessageBytes": 4194304, "maxItems": 10000},
        "auth": {
            "anonymousAuth": False,
            "basicAuth": {"users": {"admin": {"password": "s3cret", "groups": ["admins"]}}},
            "openIdAuth": {
                "providerUrl": "https://idp.example/realms/armada",
                "clientId": "armada-server",
                "groupsClaim": "groups",
                "jwksFile": str(jwks),
                "jwksMinRefreshSeconds": "30s",
            },
            "permissionGroupMapping": {"create_queue": ["admins"], "submit_any_jobs": ["admins"]},
            "permissionScopeMapping": {},
            "permissionClaimMapping": {},
        },
        "pulsar": {"URL": "pulsar://pulsar:6650"},  # Armada's: warned, not refused
        "profiling": {"port": 6060},
    }


class BasicAuth(grpc.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    """Basic credentials on every unary call (ArmadaClient has no option for them)."""

    def __init__(self, user: str, password: str) -> None:
        self._header = "basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        metadata = [*(details.metadata or ()), ("authorization", self._header)]
        return continuation(details._replace(metadata=metadata), request)


def test_a_config_with_every_section_starts_and_takes_effect(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path, full_config(tmp_path), {}).wait_ready()
    try:
        with grpc.insecure_channel(server.grpc_target) as channel:
            admin = ArmadaClient(grpc.intercept_channel(channel, BasicAuth("admin", "s3cret")))
            admin.create_queue(admin.create_queue_request("q", 1.0))
            assert admin.get_queue("q").name == "q"
            with pytest.raises(grpc.RpcError) as refused:
                ArmadaClient(channel).get_queue("q")  # no credentials, anonymous off
    finally:
        assert server.stop() == 0
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    lines = [json.loads(line) for line in server.stderr_text().splitlines()]
    warnings = [line["message"] for line in lines if "no effect here" in line["message"]]
    assert len(warnings) == 1
    assert warnings[0].startswith("config keys of Armada's that have no effect here, ignored: ")
    assert set(warnings[0].rpartition(": ")[2].split(", ")) == {"pulsar", "profiling"}
    assert (tmp_path / "armada.db").is_file()


def test_a_mistyped_key_exits_2_with_one_line_naming_its_path(tmp_path: Path) -> None:
    config = full_config(tmp_path)
    config["auth"]["basicAuth"]["usres"] = config["auth"]["basicAuth"].pop("users")
    (tmp_path / "armada.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    workdir = tmp_path / "run"
    workdir.mkdir()
    result = run_to_exit(workdir, ["--config", str(tmp_path / "armada.yaml")])
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("armada-server: ")]
    assert errors == ["armada-server: unknown key auth.basicAuth.usres; known keys: users"]
    assert "Traceback" not in result.stderr
    assert list(workdir.iterdir()) == []

"""The executor's configuration: Armada's keys, `local.*`, and clear refusals."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from armada_adapters.server.config import ConfigError as ServerConfigError
from armada_adapters.server.config import parse_config as parse_server_config
from armada_core.quantity import Quantity
from armada_executor.config import ConfigError, load_config, parse_config
from armada_executor.embedded import embedded_config


def embedded(section: object, grpc_port: int):
    """The `localExecutor:` section as the server's config file reads it."""
    config = parse_server_config({"localExecutor": section})
    return embedded_config(config.local_executor, grpc_port)


def test_defaults_lease_from_localhost_without_tls_as_nobody():
    config = parse_config({})
    assert (config.cluster_id, config.pool, config.armada_url) == (
        "local",
        "default",
        "localhost:50051",
    )
    assert not config.use_tls
    assert config.local.run_as_user == "nobody"
    assert config.local.capacity == {}
    assert config.lease_interval_seconds == 1.0


def test_armada_keys_are_read_ignoring_case():
    config = parse_config({
        "application": {"clusterId": "c1", "Pool": "gpu", "maxLeasedJobs": "7"},
        "executorApiConnection": {
            "armadaUrl": "armada.example.com:50052",
            "basicAuth": {"username": "exec", "password": "pw"},
        },
        "task": {"jobLeaseRenewalInterval": "500ms"},
    })  # fmt: skip
    assert (config.cluster_id, config.pool, config.max_leased_jobs) == ("c1", "gpu", 7)
    assert config.use_tls
    assert config.basic_auth is not None and config.basic_auth.username == "exec"
    assert config.lease_interval_seconds == 0.5


def test_local_settings():
    config = parse_config({
        "local": {
            "capacity": {"cpu": "4", "memory": "8Gi"},
            "workDir": "/var/lib/armada",
            "runAsUser": "daemon",
            "allowedPrograms": ["sh", "/usr/bin/python3"],
            "logRetention": {"maxAge": "24h", "maxRuns": 10, "maxBytesPerContainer": "1Mi"},
        }
    })  # fmt: skip
    local = config.local
    assert local.capacity == {"cpu": Quantity.parse("4"), "memory": Quantity.parse("8Gi")}
    assert local.work_dir == Path("/var/lib/armada")
    assert local.allowed_programs == ("sh", "/usr/bin/python3")
    retention = local.log_retention
    assert (retention.max_age_seconds, retention.max_runs) == (86400.0, 10)
    assert retention.max_bytes_per_container == 1024 * 1024


def test_capacity_may_name_any_resource():
    config = parse_config(
        {"local": {"capacity": {"nvidia.com/gpu": 1, "ephemeral-storage": "1Ti"}}}
    )
    assert config.local.capacity["nvidia.com/gpu"] == Quantity.parse("1")
    assert config.local.capacity["ephemeral-storage"] == Quantity.parse("1Ti")


def test_armada_sections_without_meaning_here_are_warned(caplog):
    with caplog.at_level(logging.WARNING):
        parse_config({"kubernetes": {"impersonateUsers": True}})
    assert "kubernetes" in caplog.text


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"nonsense": 1}, "unknown key nonsense; known keys: application"),
        ({"application": {"clusterid": "a", "bogus": 1}}, "unknown key application.bogus"),
        ({"application": {"maxLeasedJobs": -1}}, "application.maxLeasedJobs must not be neg"),
        ({"local": {"logRetention": {"maxAge": "1d"}}}, "local.logRetention.maxAge must be"),
        ({"local": {"logRetention": {"maxBytesPerContainer": "x"}}}, "maxBytesPerContainer"),
        ({"task": {"jobLeaseRenewalInterval": "0s"}}, "task.jobLeaseRenewalInterval must be"),
        ({"executorApiConnection": {"basicAuth": {"user": "x"}}}, "basicAuth.user;"),
        ({"local": {"capacity": ["cpu"]}}, "local.capacity"),
        ({"local": {"workdirr": "x"}}, "local.workdirr"),
        ({"local": {"capacity": {"cpu": "lots"}}}, "local.capacity"),
        ({"task": {"jobLeaseRenewalInterval": "soon"}}, "task.jobLeaseRenewalInterval"),
        ({"application": []}, "application must be a mapping"),
    ],
)
def test_bad_configs_are_refused_with_the_key_named(data, words):
    with pytest.raises(ConfigError, match=words.replace(".", r"\.")):
        parse_config(data)


def test_a_file_is_read(tmp_path):
    path = tmp_path / "executor.yaml"
    path.write_text("application:\n  clusterId: from-file\n")
    assert load_config(path).cluster_id == "from-file"
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")


def test_a_bare_duration_number_is_seconds_now(caplog):
    """Earlier releases read `jobLeaseRenewalInterval: 2` as 2 ns; now 2 s, with a warning."""
    with caplog.at_level(logging.WARNING):
        config = parse_config({"task": {"jobLeaseRenewalInterval": 2}})
    assert config.lease_interval_seconds == 2.0
    assert "task.jobLeaseRenewalInterval" in caplog.text
    retention = parse_config({"local": {"logRetention": {"maxAge": 60}}}).local.log_retention
    assert retention.max_age_seconds == 60.0


def test_armada_keys_without_meaning_here_are_warned_not_refused(caplog):
    with caplog.at_level(logging.WARNING):
        config = parse_config({
            "application": {"submitConcurrencyLimit": 5, "clusterId": "c"},
            "task": {"podDeletionInterval": "5s"},
            "executorApiConnection": {"openIdPasswordAuth": {"providerUrl": "x"}},
        })  # fmt: skip
    assert config.cluster_id == "c"
    for key in ("submitConcurrencyLimit", "podDeletionInterval", "openIdPasswordAuth"):
        assert key in caplog.text


def test_embedded_executor_when_enabled_uses_the_servers_port():
    config = embedded({"enabled": True}, 50051)
    assert config is not None
    assert (config.armada_url, config.use_tls) == ("127.0.0.1:50051", False)


def test_embedded_executor_with_a_config_file_only_when_enabled():
    assert embedded_config(None, 50051) is None
    assert embedded({}, 50051) is None
    assert embedded({"enabled": False, "local": {"workDir": "x"}}, 50051) is None
    config = embedded({"Enabled": "true", "local": {"workDir": "x"}}, 6000)
    assert config is not None and config.armada_url == "127.0.0.1:6000"
    assert config.local.work_dir == Path("x")
    named = embedded({"enabled": True, "executorApiConnection": {"armadaUrl": "h:1"}}, 6000)
    assert named is not None and named.armada_url == "h:1"
    with pytest.raises(ServerConfigError, match=r"localExecutor\.enabled"):
        embedded({"enabled": "perhaps"}, 1)
    with pytest.raises(ServerConfigError, match=r"unknown key localExecutor\.local\.wrkDir"):
        embedded({"enabled": True, "local": {"wrkDir": "x"}}, 1)


def test_the_readme_example_is_read():
    import re

    import yaml

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```yaml\n(application:.*?)```", readme, re.S)
    config = parse_config(yaml.safe_load(block))
    assert (config.cluster_id, config.lease_interval_seconds) == ("laptop", 1.0)
    assert config.local.log_retention.max_age_seconds == 168 * 3600
    assert config.local.log_retention.max_bytes_per_container == 10 * 2**20
    assert config.local.binoculars_port == 50053

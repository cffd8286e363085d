"""The reference server's defaults for the local executor (its config; no sockets)."""

from __future__ import annotations

import pytest

from armada_adapters.server.config import ConfigError, load_config, parse_config
from armada_adapters.server.local_executor import local_executor_config


def test_without_a_config_file_the_server_is_loopback_only_and_runs_jobs():
    config = load_config(None, {})
    assert config.bind_address == "127.0.0.1"
    executor = local_executor_config(config, 50051)
    assert executor is not None and executor.armada_url == "127.0.0.1:50051"


def test_the_environment_still_wins_over_the_no_file_defaults():
    assert load_config(None, {"ARMADA_BINDADDRESS": "0.0.0.0"}).bind_address == "0.0.0.0"


def test_with_a_config_file_no_jobs_run_unless_asked(tmp_path):
    path = tmp_path / "armada.yaml"
    path.write_text("grpcPort: 6000\n")
    assert local_executor_config(load_config(path, {}), 6000) is None
    path.write_text("localExecutor:\n  enabled: true\n  local: {workDir: /tmp/x}\n")
    executor = local_executor_config(load_config(path, {}), 6000)
    assert executor is not None and str(executor.local.work_dir) == "/tmp/x"


def test_a_wrong_local_executor_section_is_a_config_error():
    with pytest.raises(ConfigError, match=r"^unknown key localExecutor\.local\.nope;"):
        parse_config({"localExecutor": {"enabled": True, "local": {"nope": 1}}})


def test_environment_overrides_reach_the_local_executor_section():
    from armada_adapters.server.config import with_environment

    data = with_environment(
        {}, {"ARMADA_LOCALEXECUTOR_ENABLED": "true", "ARMADA_LOCALEXECUTOR_LOCAL_WORKDIR": "/w"}
    )
    executor = local_executor_config(parse_config(data), 6000)
    assert executor is not None and str(executor.local.work_dir) == "/w"

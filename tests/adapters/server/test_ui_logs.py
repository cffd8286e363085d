"""Where the server's web UI reads logs: the in-process local executor, `ui.binocularsUrl`."""

from __future__ import annotations

from pathlib import Path

from armada_adapters.server.config import parse_config
from armada_adapters.server.ui_logs import ui_log_sources
from armada_executor.logs import LogStore, LogWriter


def test_the_local_executors_logs_are_read_in_process(tmp_path: Path) -> None:
    local = {"workDir": str(tmp_path), "capacity": {"cpu": "1", "memory": "1Gi"}}
    config = parse_config(
        {
            "localExecutor": {
                "enabled": True,
                "application": {"clusterId": "here"},
                "local": local,
            },
            "ui": {"binocularsUrl": "binoculars-{CLUSTER_ID}:50051"},
        }
    )
    sources = ui_log_sources(config)
    assert sources is not None and sources.url_pattern == "binoculars-{CLUSTER_ID}:50051"
    writer = LogWriter(
        LogStore(tmp_path / "logs", 5, 60).run_dir("job-1", "run-1") / "main.log", 1000
    )
    writer.write_lines(["one", "two", "three"])
    writer.close()
    read = sources.readers["here"]
    assert [line for _, line in read("job-1", 2) or []] == ["two", "three"]
    assert read("job-2", 2) is None


def test_without_a_local_executor_only_binoculars_serves_and_no_ui_no_sources() -> None:
    sources = ui_log_sources(parse_config({}))
    assert sources is not None and dict(sources.readers) == {} and not sources.serves("c")
    assert ui_log_sources(parse_config({"ui": {"enabled": False}})) is None

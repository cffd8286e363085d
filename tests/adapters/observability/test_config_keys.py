"""The metrics and logging keys of the server config."""

from __future__ import annotations

import pytest

from armada_adapters.server.config import ConfigError, ServerConfig, load_config, parse_config


def test_metrics_port_is_armadas_9000_from_a_file_and_off_when_embedded() -> None:
    assert parse_config({}).metrics_port == 9000
    assert parse_config({}).metrics_enabled
    assert not parse_config({"metricsPort": 0}).metrics_enabled
    assert not ServerConfig().metrics_enabled


def test_metrics_port_from_the_environment() -> None:
    assert load_config(None, {"ARMADA_METRICSPORT": "9100"}).metrics_port == 9100


def test_metrics_and_logging_sections() -> None:
    config = parse_config(
        {
            "metrics": {"refreshInterval": "2m"},
            "logging": {"format": "json", "requests": False, "healthChecks": True},
        }
    )
    assert config.metrics_refresh_seconds == 120
    assert (config.log_format, config.log_requests, config.log_health_checks) == (
        "json",
        False,
        True,
    )
    assert parse_config({}).log_format == "text"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"logging": {"format": "xml"}}, "logging.format must be one of text, json"),
        ({"logging": {"requests": "yes"}}, "logging.requests must be true or false"),
        ({"metrics": {"refreshInterval": 0}}, "refreshInterval must be positive"),
        ({"metricsPort": 70000}, "metricsPort must be a port number"),
    ],
)
def test_bad_values_are_refused(data: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(data)

"""The one configuration policy: durations, key matching, Armada's unused keys, unknown
keys, scalars, environment overrides, and the helper plugins use."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

import pytest
import yaml

from armada_adapters.server.config import (
    ConfigError,
    Seconds,
    load_config,
    parse_config,
    read_section,
    with_environment,
)
from armada_auth.config import parse_basic, parse_kerberos, parse_openid
from armada_config.durations import parse_go_duration
from armada_config.policy import SchemaError

README = Path(__file__).resolve().parents[3] / "README.md"


# --- durations ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [
        ("200ms", 0.2),
        ("10s", 10.0),
        ("1m30s", 90.0),
        ("1h", 3600.0),
        ("1.5h", 5400.0),
        ("1h2m3s4ms", 3723.004),
        ("300us", 0.0003),
        ("300µs", 0.0003),
        ("1500000ns", 0.0015),
        ("0", 0.0),
        (" 5m ", 300.0),
        (10, 10.0),  # a bare number is seconds
        (2.5, 2.5),
        ("10", 10.0),  # also as a string (quoted YAML, environment variables)
        ("0.25", 0.25),
    ],
)
def test_durations_take_go_syntax_or_bare_seconds(raw: object, seconds: float) -> None:
    config = parse_config({"shutdownGracePeriod": raw, "metrics": {"refreshInterval": "1s"}})
    assert config.shutdown_grace_seconds == pytest.approx(seconds)


@pytest.mark.parametrize("raw", ["soon", "10 s", "1d", "1h-5m", "-1s", -3, True, "s", "", [1]])
def test_anything_else_is_not_a_duration(raw: object) -> None:
    with pytest.raises(ConfigError, match=r"^shutdownGracePeriod must (be a duration|not be neg)"):
        parse_config({"shutdownGracePeriod": raw})


def test_every_duration_key_uses_the_same_rules() -> None:
    config = parse_config(
        {
            "metrics": {"refreshInterval": "1m30s"},
            "connections": {"httpHeaderTimeout": "200ms", "grpcIdleTimeout": 7},
            "submission": {"defaultActiveDeadline": "1m30s"},
        }
    )
    assert config.metrics_refresh_seconds == 90.0
    assert config.connections.http_header_timeout == 0.2
    assert config.connections.grpc_idle_timeout == 7.0
    assert config.submission.default_active_deadline == timedelta(seconds=90)


def test_go_durations_are_exact_and_bounded() -> None:
    assert parse_go_duration("1.000000001s") == timedelta(seconds=1)  # Go: ns; timedelta: µs
    assert parse_go_duration("-1m") == timedelta(minutes=-1)
    with pytest.raises(ValueError, match="invalid duration"):
        parse_go_duration("1s" * 1_000_000)


# --- keys ----------------------------------------------------------------------------


def test_keys_match_ignoring_case_at_every_level() -> None:
    config = parse_config(
        {
            "GRPCPORT": 1234,
            "Connections": {"MAXPERLISTENER": 7},
            "QueryApi": {"maxqueryitems": 9},
            "LOGGING": {"Format": "json"},
        }
    )
    assert (config.grpc_port, config.connections.max_per_listener) == (1234, 7)
    assert (config.max_query_items, config.log_format) == (9, "json")


@pytest.mark.parametrize("first", [1, None])
def test_a_key_given_twice_in_different_case_is_refused(first: object) -> None:
    with pytest.raises(ConfigError, match=r"^GRPCPORT is given twice"):
        parse_config({"grpcPort": first, "GRPCPORT": 2})


def test_a_schema_the_policy_cannot_read_is_the_codes_mistake() -> None:
    @dataclass(frozen=True)
    class Odd:
        when: complex = 0j

    with pytest.raises(SchemaError, match="cannot read type"):
        read_section(Odd, {"when": 1}, "odd")


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"grpcPrt": 1}, "grpcPrt"),
        ({"connections": {"grpcIdle": "1s"}}, "connections.grpcIdle"),
        ({"logging": {"Fromat": "json"}}, "logging.Fromat"),
        (
            {"submission": {"defaultJobTolerations": [{}, {"kee": "k"}]}},
            r"submission.defaultJobTolerations\[1\].kee",
        ),
    ],
)
def test_an_unknown_key_is_refused_with_its_full_path(data: dict[str, object], path: str) -> None:
    with pytest.raises(ConfigError, match=rf"^unknown key {path}; known keys: "):
        parse_config(data)


def test_armadas_unused_keys_are_warned_about_once(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        parse_config({"pulsar": {"url": "x"}, "Redis": {}, "profiling": {"port": 6060}})
    records = [r for r in caplog.records if "no effect here" in r.getMessage()]
    assert len(records) == 1
    assert records[0].getMessage().endswith("ignored: pulsar, Redis, profiling")


def test_a_section_added_in_one_place_is_read_like_the_others() -> None:
    assert parse_config({}).ui_enabled
    assert not parse_config({"UI": {"Enabled": "false"}}).ui_enabled
    assert not load_config(None, {"ARMADA_UI_ENABLED": "false"}).ui_enabled
    with pytest.raises(ConfigError, match=r"^unknown key ui\.enable; known keys: enabled, binoc"):
        parse_config({"ui": {"enable": False}})
    url = parse_config({"ui": {"BinocularsURL": "binoculars-{CLUSTER_ID}:50051"}}).ui
    assert url.binoculars_url == "binoculars-{CLUSTER_ID}:50051"


def test_an_empty_key_keeps_its_default() -> None:
    config = parse_config(
        {"grpcPort": None, "connections": None, "submission": {"defaultNamespace": None}}
    )
    assert (config.grpc_port, config.connections.max_per_listener) == (50051, 10_000)
    assert config.submission.default_namespace == "default"


# --- scalars -------------------------------------------------------------------------


def test_scalars_are_read_as_armadas_loader_reads_them() -> None:
    config = parse_config(
        {"grpcPort": "1234", "logging": {"requests": "false", "healthChecks": "TRUE"}}
    )
    assert (config.grpc_port, config.log_requests, config.log_health_checks) == (1234, False, True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"grpcPort": True}, "grpcPort must be an integer, got True"),
        ({"grpcPort": 1.5}, "grpcPort must be an integer, got 1.5"),
        ({"logging": {"requests": "yes"}}, "logging.requests must be true or false, got 'yes'"),
        ({"bindAddress": 7}, "bindAddress must be a string, got 7"),
        ({"connections": []}, "connections must be a mapping, got list"),
    ],
)
def test_other_values_are_refused_naming_their_key(data: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    assert str(caught.value) == message


def test_an_error_never_echoes_a_huge_value() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"bindAddress": ["x" * 1_000_000]})
    assert len(str(caught.value)) < 300


# --- the environment -----------------------------------------------------------------


def test_environment_variables_override_any_scalar_key(tmp_path: Path) -> None:
    path = tmp_path / "armada.yaml"
    path.write_text(
        yaml.safe_dump({"GrpcPort": 1, "auth": {"AnonymousAuth": False, "basicAuth": {}}}),
        encoding="utf-8",
    )
    environ = {
        "ARMADA_GRPCPORT": "2",  # the file spells it GrpcPort: replaced, not doubled
        "ARMADA_SHUTDOWNGRACEPERIOD": "1m30s",
        "ARMADA_METRICS_REFRESHINTERVAL": "5s",
        "ARMADA_CONNECTIONS_MAXPERLISTENER": "12",
        "ARMADA_LOGGING_FORMAT": "json",
        "ARMADA_SUBMISSION_DEFAULTNAMESPACE": "jobs",
        "ARMADA_AUTH_ANONYMOUSAUTH": "true",  # a key of a plugin's section the file has
        "ARMADA_AUTH_KERBEROS_KEYTABLOCATION": "/k",  # not in the file: no effect
        "ARMADA_NOSUCHKEY": "1",
    }
    config = load_config(path, environ)
    assert config.grpc_port == 2
    assert config.shutdown_grace_seconds == 90.0
    assert (config.metrics_refresh_seconds, config.connections.max_per_listener) == (5.0, 12)
    assert (config.log_format, config.submission.default_namespace) == ("json", "jobs")
    assert config.auth == {"AnonymousAuth": True, "basicAuth": {}}


def test_the_environment_works_without_a_file() -> None:
    config = load_config(None, {"ARMADA_HTTPPORT": "0", "ARMADA_BINDADDRESS": "127.0.0.1"})
    assert (config.http_port, config.bind_address) == (0, "127.0.0.1")
    assert with_environment({}, {"ARMADA_STORAGE_SQLITE_PATH": "x.db"}) == {}


def test_environment_values_are_checked_like_the_file() -> None:
    with pytest.raises(ConfigError, match="grpcPort must be an integer, got 'many'"):
        load_config(None, {"ARMADA_GRPCPORT": "many"})


# --- the helper for plugins ----------------------------------------------------------


class PluginError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Endpoint:
    url: str
    timeout: Seconds = 5.0


@dataclass(frozen=True, slots=True)
class PluginSettings:
    armada_unused: ClassVar[tuple[str, ...]] = ("legacyFlag",)

    endpoints: Mapping[str, Endpoint] = field(default_factory=dict)
    retries: int = 3
    enabled: bool = False


def test_a_plugin_reads_its_section_with_the_same_policy(
    caplog: pytest.LogCaptureFixture,
) -> None:
    section = {"Endpoints": {"a": {"URL": "http://a", "timeout": "250ms"}}, "legacyflag": 1}
    with caplog.at_level(logging.WARNING):
        settings = read_section(PluginSettings, section, "auth.myAuth", error=PluginError)
    assert settings == PluginSettings({"a": Endpoint("http://a", 0.25)})
    assert "auth.myAuth.legacyflag" in caplog.text
    with pytest.raises(PluginError, match=r"^auth\.myAuth\.endpoints\.b\.url is required$"):
        read_section(PluginSettings, {"endpoints": {"b": {}}}, "auth.myAuth", error=PluginError)
    with pytest.raises(PluginError, match=r"^unknown key auth\.myAuth\.retires; known keys"):
        read_section(PluginSettings, {"retires": 1}, "auth.myAuth", error=PluginError)


# --- the README's example ------------------------------------------------------------


def test_the_readme_example_is_a_valid_config(caplog: pytest.LogCaptureFixture) -> None:
    text = README.read_text(encoding="utf-8").split("## Configuration", 1)[1]
    data = yaml.safe_load(text.split("```yaml\n", 1)[1].split("```", 1)[0])
    with caplog.at_level(logging.WARNING):
        config = parse_config(data)
        assert config.auth is not None
        assert parse_basic(config.auth["basicAuth"])["admin"].groups == ("admins",)
        assert parse_openid(config.auth["openIdAuth"]) is not None
        assert parse_kerberos(config.auth["kerberos"]) is not None
    assert caplog.text == ""

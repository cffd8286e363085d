"""From the YAML file and the environment to a `ServerConfig`.

As in Armada (viper), `ARMADA_` + the key's path in upper case, joined by `_`,
overrides a scalar key: `ARMADA_GRPCPORT`, `ARMADA_METRICS_REFRESHINTERVAL`,
`ARMADA_AUTH_ANONYMOUSAUTH`. That works for every scalar key of the server's own
sections and for every scalar key the file holds (plugin sections included); values
are read as YAML scalars (`true`, `10`, `5m`).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from armada_adapters.server.config.server import DEFAULT_METRICS_PORT, ServerConfig
from armada_config.policy import ConfigError, lookup, matching_key, read_section, schema_keys

CONFIG_ENV = "ARMADA_CONFIG"
ENV_PREFIX = "ARMADA_"
# What a config file means where it is silent and an embedding's `ServerConfig()` differs.
FILE_DEFAULTS: Mapping[str, Any] = {"metricsPort": DEFAULT_METRICS_PORT}
# Without a config file the server is a one-command development stack: reachable from this
# machine only (everyone is anonymous with every permission) and running jobs itself.
NO_FILE_DEFAULTS: Mapping[str, Any] = {
    "bindAddress": "127.0.0.1",
    "localExecutor": {"enabled": True},
}


def config_path(cli_path: str | None, environ: Mapping[str, str]) -> Path | None:
    """`--config` wins over `ARMADA_CONFIG`; None when neither is given."""
    value = cli_path or environ.get(CONFIG_ENV) or None
    return Path(value) if value else None


def load_config(path: Path | None, environ: Mapping[str, str] | None = None) -> ServerConfig:
    """Read and check the YAML file; no file means the development defaults."""
    data = _read_yaml(path) if path is not None else NO_FILE_DEFAULTS
    return parse_config(with_environment(data, environ or {}), source=path)


def parse_config(data: Mapping[str, Any], *, source: Path | None = None) -> ServerConfig:
    """A `ServerConfig` from the parsed YAML mapping; `ConfigError` names the bad key."""
    if not isinstance(data, Mapping):
        raise ConfigError("the config file must hold a mapping at the top level")
    merged = dict(data)
    for key, value in FILE_DEFAULTS.items():
        if lookup(data, key) is None:
            merged[matching_key(data, key) or key] = value
    config = read_section(ServerConfig, merged, "")
    return dataclasses.replace(config, source=source)


def with_environment(data: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """`data` with every `ARMADA_<PATH>` variable of `environ` applied."""
    result = _copy(data)
    paths = {*_schema_paths(ServerConfig, ()), *_data_paths(data, ())}
    for path in sorted(paths):
        value = environ.get(ENV_PREFIX + "_".join(path).upper())
        if value is not None:
            _assign(result, path, _scalar(value))
    return result


def _schema_paths(schema: type, prefix: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """The key paths of a schema's scalar fields, nested sections included."""
    for _, key, tp in schema_keys(schema).values():
        base = _bare_type(tp)
        if dataclasses.is_dataclass(base):
            yield from _schema_paths(typing.cast(type, base), (*prefix, key))
        elif typing.get_origin(base) not in (Mapping, dict, tuple, list, frozenset):
            yield (*prefix, key)


def _bare_type(tp: Any) -> Any:
    """`tp` without `Annotated` and without `| None`."""
    if typing.get_origin(tp) is typing.Annotated:
        return _bare_type(typing.get_args(tp)[0])
    present = [arg for arg in typing.get_args(tp) if arg is not type(None)]
    if typing.get_origin(tp) in (typing.Union, types.UnionType) and len(present) == 1:
        return _bare_type(present[0])
    return tp


def _data_paths(data: Mapping[str, Any], prefix: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """The key paths of the scalar values present in `data`."""
    for key, value in data.items():
        if isinstance(value, Mapping):
            yield from _data_paths(value, (*prefix, str(key)))
        elif not isinstance(value, list):
            yield (*prefix, str(key))


def _assign(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """Set `path` (matched ignoring case) in `data`, making sections as needed."""
    *sections, last = path
    for key in sections:
        found = matching_key(data, key)
        if found is None or not isinstance(data[found], dict):
            found = found or key
            data[found] = {}
        data = data[found]
    data[matching_key(data, last) or last] = value


def _copy(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _copy(v) if isinstance(v, Mapping) else v for k, v in data.items()}


def _scalar(value: str) -> Any:
    import yaml  # only when reading config: plugins import this package's policy

    try:
        return yaml.safe_load(value)
    except yaml.YAMLError:
        return value


def _read_yaml(path: Path) -> Mapping[str, Any]:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path} is not valid YAML: {_yaml_problem(exc)}") from None
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"config file {path} must hold a mapping at the top level")
    return data


def _yaml_problem(exc: Exception) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"{problem} (line {mark.line + 1})" if mark is not None else str(problem)

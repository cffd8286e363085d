"""armadactl's configuration, read as armadactl reads it (spec §2).

Sources, lowest precedence first: `armadactl-defaults.yaml` next to the executable,
replaced (not merged) by the user file (`--config`, else `~/.armadactl.{yaml,yml,json}`);
then environment variables named after top-level keys upper-cased (`ARMADAURL`,
`CURRENTCONTEXT`, ...); then the `--armadaUrl`/`--context` flags. Keys are matched
case-insensitively (viper lower-cases them); context names are kept as written.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from armada_cli.errors import CliError

DEFAULT_URL = "localhost:50051"
DEFAULTS_FILE = "armadactl-defaults.yaml"
USER_FILES = (".armadactl.yaml", ".armadactl.yml", ".armadactl.json")
NO_CONTEXT_NOTICE = (
    "No context defined. This method of providing connection details will soon be "
    "deprecated, the new configuration format is explained here: "
    "https://armadaproject.io/user-guide/cli#configuration"
)
# Top-level keys an environment variable (the key upper-cased) may set.
ENV_KEYS = (
    "armadaUrl",
    "binocularsUrl",
    "armadaRestUrl",
    "currentContext",
    "kubectlCommandTemplate",
    "forceNoTls",
    "cacheRefreshToken",
    "grpcKeepAliveTime",
    "grpcKeepAliveTimeout",
)


@dataclass(frozen=True)
class Connection:
    """Where and how to call the API: `host:port`, TLS or not, the credential settings.

    `binoculars_url` (an addition: armadactl has no `logs`) is the `host:port` of the
    Binoculars gRPC service, `""` when not configured; it may hold `{CLUSTER_ID}`.
    """

    url: str
    force_no_tls: bool = False
    auth: Mapping[str, Any] = field(default_factory=dict)  # lower-cased keys
    binoculars_url: str = ""

    @property
    def plaintext(self) -> bool:
        """armadactl speaks plaintext when told to or when the URL mentions localhost."""
        return self.force_no_tls or "localhost" in self.url


@dataclass(frozen=True)
class Config:
    """The merged settings plus where the user file is (for `config use-context`)."""

    settings: Mapping[str, Any]  # top-level keys lower-cased, env overrides applied
    path: Path  # the user file, existing or not
    explicit: bool  # the path came from --config
    url_flag: str | None = None
    context_flag: str = ""

    @property
    def contexts(self) -> Mapping[str, Mapping[str, Any]]:
        contexts = self.settings.get("contexts") or {}
        if not isinstance(contexts, Mapping):
            raise CliError(f"error reading config file {self.path}: contexts must be a mapping")
        return contexts

    @property
    def current_context(self) -> str:
        """The context in effect: `--context`, else `currentContext` (may be empty)."""
        return self.context_flag or str(self.settings.get("currentcontext") or "")

    def connection(self) -> tuple[Connection, str | None]:
        """The connection in effect and the legacy-format notice to print, if any."""
        name = self.current_context
        if not name:
            return _connection(self.settings, self._global_url(), ""), NO_CONTEXT_NOTICE
        if name not in self.contexts:
            raise CliError(f"context {name} not found under contexts within the Armada config")
        context = lower_keys(self.contexts[name] or {})
        url = self._global_url()
        if url == DEFAULT_URL:
            url = str(context.get("armadaurl") or DEFAULT_URL)
        return _connection(context, url, str(self.settings.get("binocularsurl") or "")), None

    def _global_url(self) -> str:
        if self.url_flag is not None:
            return self.url_flag
        return str(self.settings.get("armadaurl") or DEFAULT_URL)


def load(
    config_path: str | None,
    environ: Mapping[str, str],
    *,
    url_flag: str | None = None,
    context_flag: str = "",
    home: Path | None = None,
) -> Config:
    """Read the files and the environment; `--config` naming no file is an error."""
    explicit = bool(config_path)
    home = home if home is not None else Path(environ.get("HOME") or Path.home())
    if config_path:
        path = Path(config_path)
        if not path.is_file():
            raise CliError(f"could not find config file {config_path}")
    else:
        path = next((home / n for n in USER_FILES if (home / n).is_file()), home / USER_FILES[0])
    defaults = Path(sys.argv[0]).resolve().parent / DEFAULTS_FILE
    source = path if path.is_file() else defaults
    settings = lower_keys(read_file(source)) if source.is_file() else {}
    for key in ENV_KEYS:
        if (value := environ.get(key.upper())) is not None:
            settings[key.lower()] = value
    return Config(settings, path, explicit, url_flag, context_flag)


def read_file(path: Path) -> dict[str, Any]:
    """A config file's mapping; `error reading config file` if it is not one."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise CliError(f"error reading config file {path}: {one_line(error)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise CliError(f"error reading config file {path}: not a mapping")
    return data


def lower_keys(data: Mapping[str, Any]) -> dict[str, Any]:
    """Keys lower-cased at every level except the names under `contexts`."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = str(key).lower()
        if name == "contexts" and isinstance(value, Mapping):
            out[name] = dict(value)
        else:
            out[name] = _lower_value(value)
    return out


def _lower_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k).lower(): _lower_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower_value(item) for item in value]
    return value


def _connection(keys: Mapping[str, Any], url: str, binoculars_fallback: str) -> Connection:
    auth = {k: v for k, v in keys.items() if k.endswith("auth") and isinstance(v, Mapping)}
    return Connection(
        url=url,
        force_no_tls=_truthy(keys.get("forcenotls")),
        auth=auth,
        binoculars_url=str(keys.get("binocularsurl") or binoculars_fallback),
    )


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "t", "true", "yes", "on")
    return bool(value)


def one_line(error: BaseException) -> str:
    """An exception's text on one line."""
    return " ".join(str(error).split())

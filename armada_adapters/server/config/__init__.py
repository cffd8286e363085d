"""The server's configuration, read under one policy (the same for plugins' sections):

- Keys are matched ignoring case, as Armada's loader (viper) does.
- Armada's own keys that have no effect here are accepted and logged in one warning
  per section read; any other unknown key is refused, naming its full path
  (`unknown key auth.basicAuth.usres; known keys: users`).
- Durations take Go's syntax (`200ms`, `10s`, `1m30s`, `1h`, `0`); a bare number is
  seconds (for Armada's own duration keys, where Armada reads nanoseconds, with a
  warning).
- Scalars: true/false (also Go's strings `"true"`, `"1"`, `"F"`...), integers and
  numbers (also as strings of digits); a string key takes only a string.
- A key left empty (`key:` with no value) keeps its default.
- `ARMADA_<PATH>` environment variables override scalar keys (see `loader`).

Modules: `policy` (the rules, and `read_section`, the helper plugins use),
`durations`, `server` (the schema: one dataclass per section; it says how to add one),
`submission`, `loader` (file, defaults, environment).
"""

from armada_adapters.server.config.loader import (
    CONFIG_ENV,
    config_path,
    load_config,
    parse_config,
    with_environment,
)
from armada_adapters.server.config.server import DEFAULT_SQLITE_PATH, ServerConfig
from armada_config.policy import ConfigError, Seconds, read_section

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_SQLITE_PATH",
    "ConfigError",
    "Seconds",
    "ServerConfig",
    "config_path",
    "load_config",
    "parse_config",
    "read_section",
    "with_environment",
]

"""Typed views of the `auth:` configuration sections, with Armada's key names.

Keys are matched ignoring case (Armada's loader, viper, does the same). Unknown keys
inside a section only produce a warning, as in Armada; values of the wrong type are a
`ConfigError`. See `docs/auth.md` for every key.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

PERMISSION_KEYS = ("permissionGroupMapping", "permissionScopeMapping", "permissionClaimMapping")


class ConfigError(Exception):
    """The `auth:` configuration cannot be used; the message is one plain line."""


def get(section: Mapping[str, Any], key: str, default: Any = None) -> Any:
    """Look `key` up in `section` ignoring case."""
    if key in section:
        return section[key]
    wanted = key.lower()
    for name, value in section.items():
        if str(name).lower() == wanted:
            return value
    return default


def as_mapping(value: Any, where: str) -> Mapping[str, Any]:
    """A mapping; an absent (None) value is an empty one."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where} must be a mapping, got {type(value).__name__}")
    return value


def as_bool(value: Any, where: str) -> bool:
    """A boolean; the strings `true`/`false` (environment overrides) are accepted."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ConfigError(f"{where} must be true or false, got {value!r}")


def as_str(value: Any, where: str) -> str:
    """A string; an absent (None) value is the empty string."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ConfigError(f"{where} must be a string, got {type(value).__name__}")
    return value


def as_str_list(value: Any, where: str) -> tuple[str, ...]:
    """A list of strings; an absent (None) value is an empty list."""
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of strings")
    return tuple(value)


def as_seconds(value: Any, where: str, default: float) -> float:
    """A non-negative number of seconds."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigError(f"{where} must be a non-negative number of seconds")
    return float(value)


def warn_unknown(section: Mapping[str, Any], known: tuple[str, ...], where: str) -> None:
    """Log keys of `section` that nothing reads (Armada's "Unused keys" warning)."""
    lowered = {k.lower() for k in known}
    unused = sorted(str(k) for k in section if str(k).lower() not in lowered)
    if unused:
        logger.warning("Unused keys under %s: %s", where, ", ".join(unused))


@dataclass(frozen=True, slots=True)
class BasicUser:
    """One `basicAuth.users.<name>` entry; `password` is plain text or a hash."""

    name: str
    password: str
    groups: tuple[str, ...] = ()


def parse_basic(section: Any) -> dict[str, BasicUser]:
    """`basicAuth` → users by name (empty: the backend is off)."""
    basic = as_mapping(section, "auth.basicAuth")
    warn_unknown(basic, ("users",), "auth.basicAuth")
    users = as_mapping(get(basic, "users"), "auth.basicAuth.users")
    return {str(name): _basic_user(str(name), entry) for name, entry in users.items()}


def _basic_user(name: str, entry: Any) -> BasicUser:
    where = f"auth.basicAuth.users.{name}"
    values = as_mapping(entry, where)
    warn_unknown(values, ("password", "groups"), where)
    password = as_str(get(values, "password"), f"{where}.password")
    groups = as_str_list(get(values, "groups"), f"{where}.groups")
    return BasicUser(name, password, groups)


@dataclass(frozen=True, slots=True)
class OpenIdConfig:
    """`openIdAuth`; `jwks_file` and `jwks_min_refresh_seconds` are our extensions."""

    provider_url: str
    client_id: str = ""
    groups_claim: str = ""
    skip_client_id_check: bool = False
    jwks_file: str = ""
    jwks_min_refresh_seconds: float = 30.0

    def __post_init__(self) -> None:
        if not self.client_id and not self.skip_client_id_check:
            raise ConfigError(
                "auth.openIdAuth.clientId must be set unless skipClientIDCheck is true"
            )


_OPENID_KEYS = (
    "providerUrl",
    "clientId",
    "groupsClaim",
    "skipClientIDCheck",
    "jwksFile",
    "jwksMinRefreshSeconds",
)


def parse_openid(section: Any) -> OpenIdConfig | None:
    """`openIdAuth` → config, or None when `providerUrl` is empty (backend off)."""
    oidc = as_mapping(section, "auth.openIdAuth")
    warn_unknown(oidc, _OPENID_KEYS, "auth.openIdAuth")
    provider_url = as_str(get(oidc, "providerUrl"), "auth.openIdAuth.providerUrl")
    if not provider_url:
        return None
    return OpenIdConfig(
        provider_url=provider_url,
        client_id=as_str(get(oidc, "clientId"), "auth.openIdAuth.clientId"),
        groups_claim=as_str(get(oidc, "groupsClaim"), "auth.openIdAuth.groupsClaim"),
        skip_client_id_check=as_bool(
            get(oidc, "skipClientIDCheck"), "auth.openIdAuth.skipClientIDCheck"
        ),
        jwks_file=as_str(get(oidc, "jwksFile"), "auth.openIdAuth.jwksFile"),
        jwks_min_refresh_seconds=as_seconds(
            get(oidc, "jwksMinRefreshSeconds"), "auth.openIdAuth.jwksMinRefreshSeconds", 30.0
        ),
    )


@dataclass(frozen=True, slots=True)
class KerberosConfig:
    """`kerberos`; `groups`, `sendMutualAuthToken` and `allowedRealms` are ours."""

    keytab_location: str
    principal_name: str = ""
    user_name_suffix: str = ""
    group_name_suffix: str = ""
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    send_mutual_auth_token: bool = True
    allowed_realms: tuple[str, ...] = ()


_KERBEROS_KEYS = (
    "keytabLocation",
    "principalName",
    "userNameSuffix",
    "groupNameSuffix",
    "groups",
    "sendMutualAuthToken",
    "allowedRealms",
    "ldap",
)


def parse_kerberos(section: Any) -> KerberosConfig | None:
    """`kerberos` → config, or None when `keytabLocation` is empty (backend off)."""
    krb = as_mapping(section, "auth.kerberos")
    warn_unknown(krb, _KERBEROS_KEYS, "auth.kerberos")
    keytab = as_str(get(krb, "keytabLocation"), "auth.kerberos.keytabLocation")
    if not keytab:
        return None
    _refuse_ldap(get(krb, "ldap"))
    mutual = get(krb, "sendMutualAuthToken")
    return KerberosConfig(
        keytab_location=keytab,
        principal_name=as_str(get(krb, "principalName"), "auth.kerberos.principalName"),
        user_name_suffix=as_str(get(krb, "userNameSuffix"), "auth.kerberos.userNameSuffix"),
        group_name_suffix=as_str(get(krb, "groupNameSuffix"), "auth.kerberos.groupNameSuffix"),
        groups=_kerberos_groups(get(krb, "groups")),
        send_mutual_auth_token=True
        if mutual is None
        else as_bool(mutual, "auth.kerberos.sendMutualAuthToken"),
        allowed_realms=as_str_list(get(krb, "allowedRealms"), "auth.kerberos.allowedRealms"),
    )


def _kerberos_groups(value: Any) -> dict[str, tuple[str, ...]]:
    groups = as_mapping(value, "auth.kerberos.groups")
    return {
        str(user): as_str_list(names, f"auth.kerberos.groups.{user}")
        for user, names in groups.items()
    }


def _refuse_ldap(value: Any) -> None:
    ldap = as_mapping(value, "auth.kerberos.ldap")
    if as_str(get(ldap, "username"), "auth.kerberos.ldap.username"):
        raise ConfigError(
            "auth.kerberos.ldap is not supported by armada-py; "
            "list each user's groups under auth.kerberos.groups instead"
        )

"""The `auth:` sections of the built-in backends, as schemas with Armada's key names.

Each backend reads its section with the server's configuration policy
(`armada_config.policy.read_section`): keys match ignoring case,
Armada's keys we do not use are warned about, any other key is refused with its path.
See `docs/auth.md` for every key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from armada_config.policy import KEY, Seconds, read_section

PERMISSION_KEYS = ("permissionGroupMapping", "permissionScopeMapping", "permissionClaimMapping")


class ConfigError(Exception):
    """The `auth:` configuration cannot be used; the message is one plain line."""


@dataclass(frozen=True, slots=True)
class BasicUser:
    """One `basicAuth.users.<name>` entry; `password` is plain text or a hash."""

    name: str = field(default="", metadata={KEY: None})  # the entry's key
    password: str = ""
    groups: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BasicAuthSettings:
    """`basicAuth`: the users, by name."""

    users: Mapping[str, BasicUser] = field(default_factory=dict)


def parse_basic(section: Any) -> dict[str, BasicUser]:
    """`basicAuth` → users by name (empty: the backend is off)."""
    settings = read_section(BasicAuthSettings, section, "auth.basicAuth", error=ConfigError)
    return {
        name: BasicUser(name, user.password, user.groups) for name, user in settings.users.items()
    }


@dataclass(frozen=True, slots=True)
class OpenIdConfig:
    """`openIdAuth`; `jwks_file` and `jwks_min_refresh_seconds` are our extensions."""

    # Armada's docs show `scopes`, which its server struct does not have.
    armada_unused: ClassVar[tuple[str, ...]] = ("scopes",)

    provider_url: str = ""
    client_id: str = ""
    groups_claim: str = ""
    skip_client_id_check: bool = field(default=False, metadata={KEY: "skipClientIDCheck"})
    jwks_file: str = ""
    jwks_min_refresh_seconds: Seconds = 30.0

    def __post_init__(self) -> None:
        if self.provider_url and not self.client_id and not self.skip_client_id_check:
            raise ConfigError(
                "auth.openIdAuth.clientId must be set unless skipClientIDCheck is true"
            )


def parse_openid(section: Any) -> OpenIdConfig | None:
    """`openIdAuth` → config, or None when `providerUrl` is empty (backend off)."""
    config = read_section(OpenIdConfig, section, "auth.openIdAuth", error=ConfigError)
    return config if config.provider_url else None


@dataclass(frozen=True, slots=True)
class KerberosLdap:
    """Armada's `kerberos.ldap` (group names from Active Directory): not supported."""

    url: str = ""
    username: str = ""
    password: str = ""
    group_search_base: str = ""
    cache_expiry: Seconds = 300.0


@dataclass(frozen=True, slots=True)
class KerberosConfig:
    """`kerberos`; `groups`, `sendMutualAuthToken` and `allowedRealms` are ours."""

    keytab_location: str = ""
    principal_name: str = ""
    user_name_suffix: str = ""
    group_name_suffix: str = ""
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    send_mutual_auth_token: bool = True
    allowed_realms: tuple[str, ...] = ()
    ldap: KerberosLdap = field(default_factory=KerberosLdap)


def parse_kerberos(section: Any) -> KerberosConfig | None:
    """`kerberos` → config, or None when `keytabLocation` is empty (backend off)."""
    config = read_section(KerberosConfig, section, "auth.kerberos", error=ConfigError)
    if not config.keytab_location:
        return None
    if config.ldap.username:
        raise ConfigError(
            "auth.kerberos.ldap is not supported by armada-py; "
            "list each user's groups under auth.kerberos.groups instead"
        )
    return config

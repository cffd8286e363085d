"""From the `auth:` mapping to an Authenticator: built-ins, plugins, config errors."""

from __future__ import annotations

import base64
import importlib.metadata
import logging
import os
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from armada_auth import (
    AuthContext,
    AuthResult,
    ConfigError,
    InvalidCredentials,
    MissingCredentials,
    build_authenticator,
    registry,
)
from armada_auth import kerberos as kerberos_module
from armada_core.errors import Unauthenticated
from armada_core.principal import Principal

pytestmark = pytest.mark.anyio
CTX = AuthContext()
ADMIN = "Basic " + base64.b64encode(b"admin:admin").decode()


class HeaderTokenBackend:
    """A third-party style backend: `x-token <secret>` → a fixed user."""

    name = "Token"
    order = 20

    def __init__(self, secret: str) -> None:
        self.secret = secret

    async def authenticate(self, authorization: str | None, ctx: AuthContext) -> AuthResult:
        if not authorization or not authorization.startswith("x-token "):
            raise MissingCredentials(self.name)
        if authorization.removeprefix("x-token ") != self.secret:
            raise InvalidCredentials(self.name, "bad token")
        return AuthResult(Principal("robot", self.name, frozenset({"robots"})))


def token_factory(section: Any, auth_config: Mapping[str, Any]) -> HeaderTokenBackend | None:
    return HeaderTokenBackend(section["secret"]) if section else None


@pytest.fixture(autouse=True)
def fresh_entry_points() -> Iterator[None]:
    registry.installed_entry_points.cache_clear()
    yield
    registry.installed_entry_points.cache_clear()


async def test_local_dev_config_basic_plus_anonymous() -> None:
    config = {
        "anonymousAuth": True,
        "basicAuth": {"users": {"admin": {"password": "admin", "groups": ["admins"]}}},
        "permissionGroupMapping": {"submit_any_jobs": ["admins"]},
    }
    chain = await build_authenticator(config)
    assert [b.name for b in chain.backends] == ["Basic", "Anonymous"]
    assert (await chain.authenticate(ADMIN, CTX)).principal.name == "admin"
    assert (await chain.authenticate(None, CTX)).principal.name == "anonymous"
    with pytest.raises(Unauthenticated):
        await chain.authenticate("Basic " + base64.b64encode(b"admin:x").decode(), CTX)
    await chain.aclose()


async def test_keys_are_case_insensitive_and_env_strings_accepted() -> None:
    chain = await build_authenticator({"ANONYMOUSAUTH": "true"})
    assert [b.name for b in chain.backends] == ["Anonymous"]


@pytest.mark.parametrize(
    "config",
    [
        {},
        None,
        {"anonymousAuth": False},
        {"basicAuth": {"users": {}}},
        {"openIdAuth": {}},
        {"permissionGroupMapping": {"x": ["everyone"]}},
    ],
)
async def test_nothing_enabled_is_an_error(config: Any) -> None:
    with pytest.raises(ConfigError, match=r"^at least one auth method must be specified$"):
        await build_authenticator(config)


async def test_unknown_key_names_the_known_methods() -> None:
    with pytest.raises(ConfigError) as caught:
        await build_authenticator({"tokenAuth": {"tokens": "/x"}})
    message = str(caught.value)
    assert "unknown auth method auth.tokenAuth" in message
    for name in ("anonymousAuth", "basicAuth", "kerberos", "openIdAuth"):
        assert name in message


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"anonymousAuth": "yes"}, "auth.anonymousAuth must be true or false"),
        ({"basicAuth": []}, "auth.basicAuth must be a mapping"),
        ({"basicAuth": {"users": {"a": {"groups": "admins"}}}}, "users.a.groups must be a list"),
        ({"openIdAuth": {"providerUrl": 5}}, "providerUrl must be a string"),
        ({"kerberos": {"keytabLocation": "/k", "ldap": {"username": "u"}}}, "ldap is not"),
        ([("anonymousAuth", True)], "auth must be a mapping"),
    ],
)
async def test_bad_values_are_config_errors(config: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        await build_authenticator(config)


async def test_unknown_keys_are_refused_with_their_path() -> None:
    with pytest.raises(
        ConfigError, match=r"^unknown key auth\.basicAuth\.usres; known keys: users"
    ):
        await build_authenticator({"basicAuth": {"usres": {"a": {"password": "p"}}}})
    with pytest.raises(ConfigError, match=r"unknown key auth\.basicAuth\.users\.a\.pasword"):
        await build_authenticator({"basicAuth": {"users": {"a": {"pasword": "p"}}}})


async def test_armadas_unused_keys_are_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    await build_authenticator(
        {"anonymousAuth": True, "kubernetesAuth": {"kidMappingFileLocation": "/x"}}
    )
    assert "have no effect here, ignored: auth.kubernetesAuth" in caplog.text


async def test_custom_plugin_through_the_explicit_mapping() -> None:
    config = {
        "tokenAuth": {"secret": "s3"},
        "anonymousAuth": True,
        "basicAuth": {"users": {"admin": {"password": "admin"}}},
    }
    chain = await build_authenticator(config, plugins={"tokenAuth": token_factory})
    assert [b.name for b in chain.backends] == ["Basic", "Token", "Anonymous"]
    result = await chain.authenticate("x-token s3", CTX)
    assert result.principal.sorted_groups == ["everyone", "robots"]
    with pytest.raises(Unauthenticated, match="bad token"):
        await chain.authenticate("x-token nope", CTX)


async def test_explicit_mapping_overrides_a_builtin() -> None:
    chain = await build_authenticator(
        {"basicAuth": {"secret": "s"}}, plugins={"basicauth": token_factory}
    )
    assert [b.name for b in chain.backends] == ["Token"]


def fake_entry_points(*entries: tuple[str, str]) -> Any:
    def entry_points(group: str) -> list[importlib.metadata.EntryPoint]:
        assert group == "armada.auth"
        return [importlib.metadata.EntryPoint(name, value, group) for name, value in entries]

    return entry_points


async def test_plugin_through_an_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    target = f"{__name__}:token_factory"
    monkeypatch.setattr(
        importlib.metadata, "entry_points", fake_entry_points(("tokenAuth", target))
    )
    chain = await build_authenticator({"tokenauth": {"secret": "s3"}})
    assert (await chain.authenticate("x-token s3", CTX)).principal.name == "robot"
    assert "tokenAuth" in registry.known_names()


async def test_entry_point_clash_keeps_the_builtin(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    entries = (
        ("basicAuth", f"{__name__}:token_factory"),
        ("anonymousAuth", "armada_auth.anonymous:from_config"),
    )
    monkeypatch.setattr(importlib.metadata, "entry_points", fake_entry_points(*entries))
    chain = await build_authenticator({"basicAuth": {"users": {"admin": {"password": "admin"}}}})
    assert [b.name for b in chain.backends] == ["Basic"]
    assert registry.installed_entry_points() == {}
    assert "the built-in wins" in caplog.text
    assert caplog.text.count("ignored") == 1


async def test_broken_plugin_fails_only_when_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = ("brokenAuth", "armada_no_such_module:factory")
    monkeypatch.setattr(importlib.metadata, "entry_points", fake_entry_points(broken))
    assert await build_authenticator({"anonymousAuth": True})
    with pytest.raises(ConfigError, match=r"auth\.brokenAuth .* cannot be loaded"):
        await build_authenticator({"brokenAuth": {}})


async def test_factory_returning_garbage_is_refused() -> None:
    def garbage(section: Any, config: Mapping[str, Any]) -> Any:
        return object()

    with pytest.raises(ConfigError, match="no name/order/authenticate"):
        await build_authenticator({"x": {}}, plugins={"x": garbage})


async def test_start_failure_closes_the_backends_already_built() -> None:
    events: list[str] = []

    class Lifecycle(HeaderTokenBackend):
        async def start(self) -> None:
            events.append(f"start {self.secret}")
            if self.secret == "bad":
                raise ConfigError("cannot start")

        async def aclose(self) -> None:
            events.append(f"close {self.secret}")

    plugins = {
        "a": lambda section, config: Lifecycle("good"),
        "b": lambda section, config: Lifecycle("bad"),
    }
    with pytest.raises(ConfigError, match="cannot start"):
        await build_authenticator({"a": {}, "b": {}}, plugins=plugins)
    assert events == ["start good", "start bad", "close good", "close bad"]


async def test_kerberos_without_its_modules_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(kerberos_module, "missing_modules", lambda: ["gssapi", "krb5"])
    with pytest.raises(ConfigError, match="gssapi, krb5 cannot be imported"):
        await build_authenticator({"kerberos": {"keytabLocation": "/etc/http.keytab"}})
    assert await build_authenticator({"kerberos": {"keytabLocation": ""}, "anonymousAuth": True})


async def test_kerberos_with_an_unreadable_keytab_fails_fast(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    if kerberos_module.missing_modules():
        pytest.skip("kerberos extra (pyspnego[kerberos]) not installed")
    monkeypatch.setenv("KRB5_KTNAME", "FILE:/untouched")
    with pytest.raises(ConfigError, match="not a readable file"):
        await build_authenticator({"kerberos": {"keytabLocation": str(tmp_path / "none")}})
    empty = tmp_path / "empty.keytab"
    empty.write_bytes(b"")
    with pytest.raises(ConfigError, match="is unusable"):
        await build_authenticator({"kerberos": {"keytabLocation": str(empty)}})
    assert os.environ["KRB5_KTNAME"] == "FILE:/untouched"

"""Basic auth (auth.md 4.2, decisions #13/A4/A6)."""

from __future__ import annotations

import base64
import contextlib
import statistics
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from armada_auth import AuthContext, InvalidCredentials, MissingCredentials
from armada_auth.basic import BasicBackend, from_config
from armada_auth.config import BasicUser, ConfigError
from armada_auth.passwords import hash_password

pytestmark = pytest.mark.anyio
CTX = AuthContext()
USERS = {
    "admin": BasicUser("admin", "admin", ("admins",)),
    "colon": BasicUser("colon", "a:b:c"),
}


def basic_header(user: str, password: str, scheme: str = "Basic") -> str:
    return f"{scheme} " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
def backend() -> BasicBackend:
    return BasicBackend(USERS)


@pytest.mark.parametrize(
    "header", [None, "", "Bearer abc", "Basic", "Basicabc", "KubernetesAuth x"]
)
async def test_other_schemes_are_missing(backend: BasicBackend, header: str | None) -> None:
    with pytest.raises(MissingCredentials) as caught:
        await backend.authenticate(header, CTX)
    assert caught.value.headers == (("www-authenticate", 'Basic realm="armada"'),)


@pytest.mark.parametrize("scheme", ["Basic", "basic", "BASIC", "bAsIc"])
async def test_valid_with_any_scheme_case(backend: BasicBackend, scheme: str) -> None:
    result = await backend.authenticate(basic_header("admin", "admin", scheme), CTX)
    principal = result.principal
    assert (principal.name, principal.auth_method) == ("admin", "Basic")
    assert principal.sorted_groups == ["admins", "everyone"]
    assert result.response_headers == ()


async def test_password_may_contain_colons(backend: BasicBackend) -> None:
    result = await backend.authenticate(basic_header("colon", "a:b:c"), CTX)
    assert result.principal.name == "colon"


@pytest.mark.parametrize(
    "encoded",
    [
        "!!!notbase64",
        "YWRtaW46YWRtaW4",  # admin:admin without its padding
        " YWRtaW46YWRtaW4=",  # double space after the scheme
        "YWRtaW46YWRtaW4=YQ==",  # data after the padding
        "é",
    ],
)
async def test_bad_base64_is_invalid(backend: BasicBackend, encoded: str) -> None:
    with pytest.raises(InvalidCredentials, match="illegal base64 data") as caught:
        await backend.authenticate("Basic " + encoded, CTX)
    assert caught.value.headers == (("www-authenticate", 'Basic realm="armada"'),)


async def test_no_colon_is_invalid_not_a_crash(backend: BasicBackend) -> None:
    header = "Basic " + base64.b64encode(b"adminadmin").decode()
    with pytest.raises(InvalidCredentials, match="no colon"):
        await backend.authenticate(header, CTX)


@pytest.mark.parametrize(
    ("user", "password"), [("admin", "wrong"), ("nobody", "admin"), ("admin", "")]
)
async def test_wrong_credentials_name_the_user(
    backend: BasicBackend, user: str, password: str
) -> None:
    with pytest.raises(InvalidCredentials) as caught:
        await backend.authenticate(basic_header(user, password), CTX)
    assert caught.value.message == (
        f'Invalid credentials presented for user "{user}" via auth service "Basic"'
    )


async def test_hashed_password_verified_once_then_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    stored = hash_password("s3cret", iterations=1000)
    backend = BasicBackend({"h": BasicUser("h", stored, ("g",))})
    calls: list[str] = []
    from armada_auth import passwords

    original = passwords.PasswordHash.verify

    def counting(self: passwords.PasswordHash, password: str) -> bool:
        calls.append(password)
        return original(self, password)

    monkeypatch.setattr(passwords.PasswordHash, "verify", counting)
    for _ in range(3):
        result = await backend.authenticate(basic_header("h", "s3cret"), CTX)
        assert result.principal.groups == {"g", "everyone"}
    assert len(calls) == 1
    with pytest.raises(InvalidCredentials):
        await backend.authenticate(basic_header("h", "s3cret2"), CTX)
    with pytest.raises(InvalidCredentials):
        await backend.authenticate(basic_header("h", stored), CTX)


def test_factory_enables_only_with_users() -> None:
    assert from_config({"users": {}}, {}) is None
    assert from_config(None, {}) is None
    backend = from_config({"Users": {"a": {"Password": "p", "groups": ["x"]}}}, {})
    assert isinstance(backend, BasicBackend)


def test_factory_rejects_malformed_hash_without_echoing_it() -> None:
    with pytest.raises(ConfigError, match="malformed pbkdf2_sha256") as caught:
        from_config({"users": {"a": {"password": "pbkdf2_sha256$x$secretish"}}}, {})
    assert "secretish" not in str(caught.value)


@given(st.text(max_size=40))
def test_any_header_is_missing_or_invalid_or_ok(header: str) -> None:
    """Whatever arrives, the backend answers with one of its three outcomes."""
    import anyio

    async def run() -> None:
        with contextlib.suppress(InvalidCredentials, MissingCredentials):
            await BasicBackend(USERS).authenticate("Basic " + header, CTX)

    anyio.run(run)


@given(st.text(min_size=1, max_size=20).filter(lambda s: ":" not in s), st.text(max_size=20))
def test_roundtrip_of_any_user_and_password(user: str, password: str) -> None:
    import anyio

    backend = BasicBackend({user: BasicUser(user, password)})

    async def run() -> str:
        return (await backend.authenticate(basic_header(user, password), CTX)).principal.name

    assert anyio.run(run) == user


async def test_an_unknown_user_costs_a_hash_like_a_wrong_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No user-name oracle: both failures verify one hash of the configured cost."""
    from armada_auth import passwords

    backend = BasicBackend({"h": BasicUser("h", hash_password("s3cret", iterations=1234))})
    verified: list[int] = []
    original = passwords.PasswordHash.verify

    def counting(self: passwords.PasswordHash, password: str) -> bool:
        verified.append(self.iterations)
        return original(self, password)

    monkeypatch.setattr(passwords.PasswordHash, "verify", counting)
    for user, password in [("h", "wrong"), ("nobody", "wrong"), ("nobody", "s3cret")]:
        with pytest.raises(InvalidCredentials):
            await backend.authenticate(basic_header(user, password), CTX)
    assert verified == [1234, 1234, 1234]


async def test_unknown_user_and_wrong_password_take_alike_long() -> None:
    """The measured oracle (0.9 ms against 177 ms); medians, a 3x margin for noise."""
    backend = BasicBackend({"h": BasicUser("h", hash_password("s3cret", iterations=100_000))})

    async def seconds(user: str) -> float:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            with pytest.raises(InvalidCredentials):
                await backend.authenticate(basic_header(user, "wrong"), CTX)
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    wrong, unknown = await seconds("h"), await seconds("nobody")
    assert wrong / 3 < unknown < wrong * 3

"""The chain (auth.md 3): missing → next, invalid → stop, all missing → generic error."""

from __future__ import annotations

import pytest

from armada_auth import (
    AuthContext,
    Authenticator,
    AuthResult,
    AuthServiceUnavailable,
    InvalidCredentials,
    MissingCredentials,
)
from armada_auth.anonymous import AnonymousBackend
from armada_auth.chain import NO_SCHEME_MESSAGE
from armada_core.errors import Unauthenticated, Unavailable
from armada_core.principal import ANONYMOUS, Principal

pytestmark = pytest.mark.anyio
CTX = AuthContext(peer="127.0.0.1", transport="http")


class FakeBackend:
    """Answers a fixed way and records whether it was asked."""

    def __init__(self, name: str, order: int, outcome: object) -> None:
        self.name, self.order, self.outcome, self.calls = name, order, outcome, 0

    async def authenticate(self, authorization: str | None, ctx: AuthContext) -> AuthResult:
        self.calls += 1
        if isinstance(self.outcome, Exception):
            raise self.outcome
        assert isinstance(self.outcome, AuthResult)
        return self.outcome


def missing(name: str, challenge: str) -> MissingCredentials:
    return MissingCredentials(name, headers=(("www-authenticate", challenge),))


async def test_first_result_wins_and_later_backends_are_not_asked() -> None:
    alice = AuthResult(Principal("alice", "Fake"))
    first = FakeBackend("A", 10, alice)
    second = FakeBackend("B", 20, AuthResult(Principal("bob", "Fake")))
    result = await Authenticator([second, first]).authenticate("x", CTX)
    assert result is alice
    assert (first.calls, second.calls) == (1, 0)


async def test_backends_run_in_order_not_in_list_order() -> None:
    chain = Authenticator([AnonymousBackend(), FakeBackend("B", 10, missing("B", "Basic"))])
    assert [b.name for b in chain.backends] == ["B", "Anonymous"]


async def test_missing_moves_on_to_anonymous() -> None:
    chain = Authenticator([FakeBackend("B", 10, missing("B", "Basic")), AnonymousBackend()])
    result = await chain.authenticate(None, CTX)
    assert result.principal == ANONYMOUS
    assert result.principal.groups == {"everyone"}


async def test_invalid_stops_the_chain_before_anonymous() -> None:
    anonymous = FakeBackend("Anonymous", 90, AuthResult(ANONYMOUS))
    invalid = InvalidCredentials("B", "bad", user="u", headers=(("www-authenticate", "Basic"),))
    chain = Authenticator([FakeBackend("B", 10, invalid), anonymous])
    with pytest.raises(Unauthenticated) as caught:
        await chain.authenticate("basic x", CTX)
    assert caught.value is invalid
    assert (
        caught.value.message
        == 'Invalid credentials presented for user "u" via auth service "B": bad'
    )
    assert caught.value.headers == (("www-authenticate", "Basic"),)
    assert anonymous.calls == 0


async def test_all_missing_gives_the_generic_message_with_every_challenge() -> None:
    chain = Authenticator(
        [
            FakeBackend("B", 10, missing("B", 'Basic realm="armada"')),
            FakeBackend("O", 30, missing("O", "Bearer")),
            FakeBackend("K", 35, missing("K", "Negotiate")),
        ]
    )
    with pytest.raises(Unauthenticated) as caught:
        await chain.authenticate(None, CTX)
    assert caught.value.message == NO_SCHEME_MESSAGE
    assert NO_SCHEME_MESSAGE == (
        "Request could not be authenticated: "
        "Request could not be authenticated with any of the supported schemes."
    )
    assert [v for _, v in caught.value.headers] == ['Basic realm="armada"', "Bearer", "Negotiate"]


async def test_unavailable_propagates() -> None:
    chain = Authenticator([FakeBackend("O", 30, AuthServiceUnavailable("O", "down"))])
    with pytest.raises(Unavailable, match='internal error via auth service "O": down'):
        await chain.authenticate("bearer x", CTX)


async def test_aclose_reaches_every_backend_even_if_one_fails() -> None:
    closed: list[str] = []

    class Closing(FakeBackend):
        async def aclose(self) -> None:
            closed.append(self.name)
            if self.name == "A":
                raise RuntimeError("boom")

    chain = Authenticator([Closing("A", 1, None), Closing("B", 2, None)])
    await chain.aclose()
    assert closed == ["A", "B"]


def test_every_principal_is_in_everyone() -> None:
    assert Principal("x", "Basic", frozenset({"g"})).groups == {"g", "everyone"}

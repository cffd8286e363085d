"""The stacks and the table vocabulary of the transport matrix (`test_auth_matrix_transport`).

A stack is one `auth:` configuration served on both protocols: each backend alone
(`basic`, `openid`, `kerberos`), and chains of them (`combined`: Basic then OpenID;
`anonymous`: Basic then anonymous; `kerberos-anon`: Kerberos then anonymous). Stacks
open on first use, so a module only pays for (and the Kerberos ones only need a KDC
for) what it runs. A row of the table is one credential and what must come of it.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from matrix_identities import OPENID_SECTION, fake_idp, kerberos_section
from matrix_support import UNAUTHENTICATED, Reply, Stack, open_stack, queue_request

from armada_auth.passwords import hash_password

CREATE_QUEUE = "/api.Submit/CreateQueue"
NOT_FOUND = 5
NO_SCHEME = "Request could not be authenticated with any of the supported schemes"
INVALID = "Invalid credentials presented"
BASIC = ('Basic realm="armada"',)
BEARER = ("Bearer",)
NEGOTIATE = ("Negotiate",)
PLAIN_PASSWORD, HASHED_PASSWORD, COLON_PASSWORD = "plain-secret", "hashed-secret", "a:b:"
# Everyone may create queues (how acceptance is observed); deleting one needs a group
# that Basic (`devs`), OpenID (`devs` in the groups claim) or Kerberos (`builders`) gives.
GRANTS = {
    "permissionGroupMapping": {"create_queue": ["everyone"], "delete_queue": ["devs", "builders"]}
}


@functools.cache
def stored_hash() -> str:
    """The hashed user's stored password (few iterations: speed, not strength)."""
    return hash_password(HASHED_PASSWORD, iterations=1000)


def basic_section() -> dict[str, Any]:
    """`plain` (group `devs`), `hashed` (PBKDF2, no groups), `colon` (colons in the password)."""
    users = {
        "plain": {"password": PLAIN_PASSWORD, "groups": ["devs"]},
        "hashed": {"password": stored_hash()},
        "colon": {"password": COLON_PASSWORD},
    }
    return {"basicAuth": {"users": users}}


def backend_config(name: str, realm: Any) -> dict[str, Any]:
    """The `auth:` section of one stack (`anonymous`: Basic, then anonymous)."""
    sections: dict[str, Callable[[], dict[str, Any]]] = {
        "basic": basic_section,
        "openid": lambda: {"openIdAuth": OPENID_SECTION},
        "combined": lambda: {**basic_section(), "openIdAuth": OPENID_SECTION},
        "anonymous": lambda: {**basic_section(), "anonymousAuth": True},
        "kerberos": lambda: {"kerberos": kerberos_section(realm)},
        "kerberos-anon": lambda: {"kerberos": kerberos_section(realm), "anonymousAuth": True},
    }
    return {**sections[name](), **GRANTS}


@asynccontextmanager
async def backend_stack(name: str, realm: Any) -> AsyncIterator[Stack]:
    """A running stack; the OpenID factory is used only where `openIdAuth` is configured."""
    async with (
        fake_idp() as plugins,
        open_stack(backend_config(name, realm), plugins=plugins) as stack,
    ):
        yield stack


class Stacks:
    """Stacks opened on first use and closed when the module ends."""

    def __init__(self, exits: AsyncExitStack) -> None:
        self._exits = exits
        self._open: dict[str, Stack] = {}

    async def get(self, name: str, realm: Any = None) -> Stack:
        """The running stack `name`; `realm` is the KDC for the Kerberos ones."""
        if name not in self._open:
            self._open[name] = await self._exits.enter_async_context(backend_stack(name, realm))
        return self._open[name]


@dataclass(frozen=True, slots=True)
class Refused:
    """UNAUTHENTICATED / 401 with a message containing `message` and these challenges."""

    message: str
    challenges: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Accepted:
    """The call succeeds as this principal."""

    user: str


@dataclass(frozen=True, slots=True)
class Denied:
    """Authenticated as `user`, then PERMISSION_DENIED / 403."""

    user: str


Credentials = Callable[[Any], "str | None"]  # the KDC realm (kerberos rows) → authorization


@dataclass(frozen=True, slots=True)
class Row:
    """One case of the table: the stack, a name, how to make the credentials, the outcome."""

    stack: str
    case: str
    credentials: Credentials
    expect: Refused | Accepted | Denied


def fixed(value: str | None) -> Credentials:
    """Credentials that need no KDC."""
    return lambda _realm: value


def marks(row: Row) -> list[pytest.MarkDecorator]:
    """The `kerberos` marker for rows that need the KDC."""
    return [pytest.mark.kerberos] if row.stack.startswith("kerberos") else []


def assert_refused(reply: Reply, message: str, challenges: tuple[str, ...]) -> None:
    """UNAUTHENTICATED with the challenge (gRPC: in the trailers); REST: 401, gateway body."""
    # Not a test module, so pytest does not rewrite these asserts: say what was seen.
    assert reply.code == UNAUTHENTICATED, reply
    assert message in reply.message, (message, reply)
    if reply.protocol == "grpc":
        seen = (reply.www_authenticate, reply.trailing_www_authenticate)
        assert seen == ((), challenges), (challenges, reply)
    else:
        assert reply.www_authenticate == challenges, (challenges, reply)
        assert reply.http_status == 401, reply
        gateway = {"error": reply.message, "code": 16, "message": reply.message}
        assert reply.body == gateway, reply


async def create_queue(stack: Stack, protocol: str, name: str, authorization: str | None) -> Reply:
    """CreateQueue `name` with these credentials (the caller becomes its owner)."""
    return await stack.callers[protocol].call(CREATE_QUEUE, queue_request(name), authorization)


async def stack_for(stacks: Stacks, request: pytest.FixtureRequest, name: str) -> tuple[Stack, Any]:
    """The stack and, for Kerberos, the KDC realm (the fixture skips when there is none)."""
    realm = request.getfixturevalue("krb_realm") if name.startswith("kerberos") else None
    return await stacks.get(name, realm), realm

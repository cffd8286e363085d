"""Authentication through the real adapters: protocol x backend x credentials (issue 5).

Each backend runs alone behind its own service, so a refusal carries exactly its
challenge; three more stacks chain them: `combined` (Basic, OpenID), `anonymous`
(Basic, anonymous) and `kerberos-anon` (Kerberos, anonymous). A refusal must be gRPC
UNAUTHENTICATED with the challenge in the trailers, or REST 401 with the gateway body
and `WWW-Authenticate`, and must leave nothing behind; an acceptance is observed
through CreateQueue, which makes the caller the queue's owner, so the owner is the
principal name the backend produced.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from typing import Any

import anyio
import pytest
from matrix_backends import (
    BASIC,
    BEARER,
    COLON_PASSWORD,
    HASHED_PASSWORD,
    INVALID,
    NEGOTIATE,
    NO_SCHEME,
    NOT_FOUND,
    PLAIN_PASSWORD,
    Accepted,
    Credentials,
    Denied,
    Refused,
    Row,
    Stacks,
    assert_refused,
    create_queue,
    fixed,
    marks,
    stack_for,
    stored_hash,
)
from matrix_identities import (
    OPENID_USER,
    b64,
    basic,
    bearer,
    bearer_from_unknown_key,
    spnego,
    unsigned_jwt,
)
from matrix_support import PERMISSION_DENIED, PROTOCOLS, Reply
from test_auth_openid import NOW

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    """Module scope, so the servers below live for the whole module."""
    return "asyncio"


@pytest.fixture(scope="module")
async def stacks() -> AsyncIterator[Stacks]:
    """The module's stacks, closed when it ends."""
    async with AsyncExitStack() as exits:
        yield Stacks(exits)


# --- the table ------------------------------------------------------------------------


def basic_rows() -> list[Row]:
    plain, hashed = basic("plain", PLAIN_PASSWORD), basic("hashed", HASHED_PASSWORD)
    row = functools.partial(Row, "basic")

    def refused(message: str) -> Refused:
        return Refused(message, BASIC)

    return [
        row("missing", fixed(None), refused(NO_SCHEME)),
        row("other-scheme", fixed("Bearer abc"), refused(NO_SCHEME)),
        row("malformed-base64", fixed("Basic !!!"), refused("illegal base64")),
        row("malformed-no-colon", fixed("Basic " + b64(b"plain")), refused("no colon")),
        row("malformed-empty", fixed("Basic "), refused(INVALID)),
        row("malformed-double-space", fixed("Basic  " + b64(b"a:b")), refused("illegal base64")),
        row("wrong-password-plain", fixed(basic("plain", "nope")), refused('user "plain"')),
        row("wrong-password-hashed", fixed(basic("hashed", "nope")), refused('user "hashed"')),
        row("wrong-hash-as-password", lambda _r: basic("hashed", stored_hash()), refused("hashed")),
        row("wrong-unknown-user", fixed(basic("ghost", "x")), refused('user "ghost"')),
        row("wrong-colon-prefix", fixed(basic("colon", "a:b")), refused('user "colon"')),
        row("valid-plain", fixed(plain), Accepted("plain")),
        row("valid-scheme-any-case", fixed("bAsIc " + plain.split()[1]), Accepted("plain")),
        row("valid-hashed", fixed(hashed), Accepted("hashed")),
        row("valid-colons", fixed(basic("colon", COLON_PASSWORD)), Accepted("colon")),
    ]


def openid_rows() -> list[Row]:
    row = functools.partial(Row, "openid")

    def made(value: Callable[[], str]) -> Credentials:
        return lambda _realm: value()

    def refused(message: str) -> Refused:
        return Refused(message, BEARER)

    return [
        row("missing", fixed(None), refused(NO_SCHEME)),
        row("malformed-empty", fixed("Bearer "), refused(INVALID)),
        row("malformed-garbage", fixed("Bearer garbage"), refused(INVALID)),
        row("malformed-segments", fixed("Bearer a.b.c"), refused(INVALID)),
        row("malformed-alg-none", made(unsigned_jwt), refused("unsupported algorithm")),
        row("wrong-key", made(bearer_from_unknown_key), refused("verify signature")),
        row("wrong-audience", made(lambda: bearer(aud="other")), refused("audience")),
        row("expired", made(lambda: bearer(exp=NOW - 1)), refused("expired")),
        row("valid", made(bearer), Accepted(OPENID_USER)),
    ]


def combined_rows() -> list[Row]:
    """Basic and OpenID together: a refusal names the schemes that apply."""
    row = functools.partial(Row, "combined")
    both = Refused(NO_SCHEME, (*BASIC, *BEARER))
    return [
        row("missing", fixed(None), both),
        row("unknown-scheme", fixed("Digest x"), both),
        row("wrong-basic", fixed(basic("plain", "nope")), Refused('user "plain"', BASIC)),
        row("expired-bearer", lambda _r: bearer(exp=NOW - 1), Refused("expired", BEARER)),
        row("valid-basic", fixed(basic("plain", PLAIN_PASSWORD)), Accepted("plain")),
        row("valid-bearer", lambda _r: bearer(), Accepted(OPENID_USER)),
    ]


def wrong_service(realm: Any) -> str:
    """A real ticket, but for `HTTP/otherhost`, which the pinned acceptor refuses."""
    return spnego(realm, host="otherhost")[1]


def kerberos_rows() -> list[Row]:
    garbage = "Negotiate " + b64(b"\x60\x03garbage")
    row, anonymous = functools.partial(Row, "kerberos"), functools.partial(Row, "kerberos-anon")

    def refused(message: str) -> Refused:
        return Refused(message, NEGOTIATE)

    return [
        row("missing", fixed(None), refused(NO_SCHEME)),
        row("missing-token", fixed("Negotiate"), refused(NO_SCHEME)),
        row("malformed-base64", fixed("Negotiate !!!"), refused("base64")),
        row("malformed-empty", fixed("Negotiate "), refused("empty")),
        row("malformed-garbage", fixed(garbage), refused("not accepted")),
        row("wrong-service", wrong_service, refused("not accepted")),
        # Kerberos runs before Anonymous (Armada put it after, where it was unreachable).
        anonymous("missing", fixed(None), Accepted("anonymous")),
        anonymous("malformed-garbage", fixed(garbage), refused("not accepted")),
        anonymous("wrong-service", wrong_service, refused("not accepted")),
    ]


def anonymous_rows() -> list[Row]:
    row = functools.partial(Row, "anonymous")
    return [
        row("missing", fixed(None), Accepted("anonymous")),
        row("other-scheme", fixed("Bearer abc"), Accepted("anonymous")),
        row("malformed", fixed("Basic !!!"), Refused("illegal base64", BASIC)),
        row("wrong-password", fixed(basic("plain", "nope")), Refused('user "plain"', BASIC)),
        row("valid", fixed(basic("plain", PLAIN_PASSWORD)), Accepted("plain")),
    ]


def params() -> list[Any]:
    rows = basic_rows() + openid_rows() + combined_rows() + kerberos_rows() + anonymous_rows()
    return [
        pytest.param(protocol, row, id=f"{protocol}-{row.stack}-{row.case}", marks=marks(row))
        for row in rows
        for protocol in PROTOCOLS
    ]


# --- checks ---------------------------------------------------------------------------


# --- tests ----------------------------------------------------------------------------


@pytest.mark.parametrize(("protocol", "row"), params())
async def test_credentials(
    protocol: str, row: Row, stacks: Stacks, request: pytest.FixtureRequest
) -> None:
    stack, realm = await stack_for(stacks, request, row.stack)
    queue = f"q-{protocol}-{row.stack}-{row.case}"
    reply = await create_queue(stack, protocol, queue, row.credentials(realm))
    if isinstance(row.expect, Refused):
        assert_refused(reply, row.expect.message, row.expect.challenges)
        assert await stack.storage.get_queue(queue) is None
    else:
        assert isinstance(row.expect, Accepted) and reply.ok, reply
        # Only Kerberos answers with a token.
        assert reply.www_authenticate == reply.trailing_www_authenticate == ()
        assert await stack.owner_of(queue) == (row.expect.user,)


@pytest.mark.kerberos
@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_kerberos_valid_ticket_and_mutual_token(
    protocol: str, stacks: Stacks, request: pytest.FixtureRequest
) -> None:
    stack, realm = await stack_for(stacks, request, "kerberos")
    client, header = spnego(realm)
    reply = await create_queue(stack, protocol, f"krb-{protocol}", header)
    assert reply.ok, reply
    assert await stack.owner_of(f"krb-{protocol}") == ("bob",)
    assert reply.trailing_www_authenticate == ()
    ((mutual,),) = [reply.www_authenticate]  # gRPC: initial metadata; REST: a header
    scheme, _, token = mutual.partition(" ")
    assert scheme == "Negotiate"
    client.step(base64.b64decode(token))
    assert client.complete


@pytest.mark.kerberos
@pytest.mark.parametrize(
    "protocol",
    [
        "grpc",
        "rest",
    ],
)
async def test_kerberos_mutual_token_also_on_a_call_that_fails_later(
    protocol: str, stacks: Stacks, request: pytest.FixtureRequest
) -> None:
    """Authentication succeeded, so the client can verify the server even on NOT_FOUND."""
    stack, realm = await stack_for(stacks, request, "kerberos")
    client, header = spnego(realm)
    reply = await stack.callers[protocol].call("/api.Submit/GetQueue", {"name": "absent"}, header)
    assert reply.code == NOT_FOUND, reply
    # A trailers-only gRPC answer has no initial metadata: the trailers may carry it.
    ((mutual,),) = [reply.www_authenticate + reply.trailing_www_authenticate]
    client.step(base64.b64decode(mutual.removeprefix("Negotiate ")))
    assert client.complete


@pytest.mark.kerberos
@pytest.mark.parametrize(
    ("first", "second"), [(a, b) for a in PROTOCOLS for b in PROTOCOLS], ids=lambda p: p
)
async def test_kerberos_replayed_ticket_is_refused(
    first: str, second: str, stacks: Stacks, request: pytest.FixtureRequest
) -> None:
    """The replay cache is the process's: a ticket used on one protocol is spent on both."""
    stack, realm = await stack_for(stacks, request, "kerberos")
    _, header = spnego(realm)
    assert (await create_queue(stack, first, f"replay-{first}-{second}", header)).ok
    again = await create_queue(stack, second, f"replay-{first}-{second}-again", header)
    assert_refused(again, "not accepted", NEGOTIATE)
    assert await stack.storage.get_queue(f"replay-{first}-{second}-again") is None


@pytest.mark.parametrize("stack_name", ["basic", "openid"])
@pytest.mark.parametrize("path", ["/health", "/api/swagger.json", "/swagger.json"])
async def test_rest_health_and_swagger_need_no_credentials(
    stack_name: str, path: str, stacks: Stacks
) -> None:
    stack = await stacks.get(stack_name)
    response = await stack.http.get(path)
    assert response.status_code == (204 if path == "/health" else 200)
    assert "www-authenticate" not in response.headers
    if path != "/health":
        assert "paths" in response.json()


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_other_rpcs_are_guarded_too(protocol: str, stacks: Stacks) -> None:
    """Not only CreateQueue: a read and a stream are refused without credentials."""
    stack = await stacks.get("basic")
    caller = stack.callers[protocol]
    await stack.add_queue("guarded")
    get = await caller.call("/api.Submit/GetQueue", {"name": "guarded"})
    assert_refused(get, NO_SCHEME, BASIC)
    events = await caller.call("/api.Event/GetJobSetEvents", {"queue": "guarded", "id": "s"})
    assert_refused(events, NO_SCHEME, BASIC)
    allowed = await caller.call(
        "/api.Submit/GetQueue", {"name": "guarded"}, basic("plain", PLAIN_PASSWORD)
    )
    assert allowed.ok and allowed.result["name"] == "guarded"


async def test_remembered_hashed_password_admits_only_that_password(stacks: Stacks) -> None:
    """After a success the pair is cached: a wrong password for the user still fails."""
    stack = await stacks.get("basic")
    right, wrong = basic("hashed", HASHED_PASSWORD), basic("hashed", HASHED_PASSWORD + "x")
    for protocol in (*PROTOCOLS, *PROTOCOLS):
        caller = stack.callers[protocol]
        assert (await caller.call("/api.Submit/GetQueues", {}, right)).ok
        refused = await caller.call("/api.Submit/GetQueues", {}, wrong)
        assert_refused(refused, 'user "hashed"', BASIC)


def local_ccache_ticket(realm: Any) -> str:
    """A ticket of the realm's default principal `user` (kinit by k5test): no groups."""
    import spnego as spnego_lib

    client = spnego_lib.client(hostname="localhost", service="HTTP")
    return "Negotiate " + b64(client.step() or b"")


GROUP_ROWS = [
    Row("basic", "configured-group", fixed(basic("plain", PLAIN_PASSWORD)), Accepted("plain")),
    Row("basic", "no-groups", fixed(basic("hashed", HASHED_PASSWORD)), Denied("hashed")),
    Row("openid", "groups-claim-list", lambda _r: bearer(), Accepted(OPENID_USER)),
    Row("openid", "groups-claim-string", lambda _r: bearer(groups="devs"), Denied("alice")),
    Row("openid", "groups-claim-absent", lambda _r: bearer(groups=None), Denied("alice")),
    Row("kerberos", "configured-group", lambda realm: spnego(realm)[1], Accepted("bob")),
    Row("kerberos", "no-groups", local_ccache_ticket, Denied("user")),
    Row("anonymous", "everyone-only", fixed(None), Denied("anonymous")),
]


@pytest.mark.parametrize(
    ("protocol", "row"),
    [
        pytest.param(protocol, row, id=f"{protocol}-{row.stack}-{row.case}", marks=marks(row))
        for row in GROUP_ROWS
        for protocol in PROTOCOLS
    ],
)
async def test_backend_groups_reach_authorization(
    protocol: str, row: Row, stacks: Stacks, request: pytest.FixtureRequest
) -> None:
    """DeleteQueue needs group `devs` or `builders`: only the backend can have given it."""
    stack, realm = await stack_for(stacks, request, row.stack)
    queue = f"groups-{protocol}-{row.stack}-{row.case}"
    await stack.add_queue(queue)
    caller = stack.callers[protocol]
    reply = await caller.call("/api.Submit/DeleteQueue", {"name": queue}, row.credentials(realm))
    if isinstance(row.expect, Accepted):
        assert reply.ok, reply
        assert await stack.storage.get_queue(queue) is None
    else:
        assert isinstance(row.expect, Denied)
        assert reply.code == PERMISSION_DENIED, reply
        assert f"user {row.expect.user} lacks permission delete_queue" in reply.message
        assert await stack.storage.get_queue(queue) is not None


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_concurrent_calls_keep_their_own_principal(protocol: str, stacks: Stacks) -> None:
    """Calls interleave (hash checks run in threads); each sees its own caller."""
    stack = await stacks.get("combined")
    callers = {
        "plain": basic("plain", PLAIN_PASSWORD),
        "hashed": basic("hashed", HASHED_PASSWORD),
        "colon": basic("colon", COLON_PASSWORD),
        OPENID_USER: bearer(),
    }
    replies: dict[str, Reply] = {}

    async def create(user: str, index: int) -> None:
        name = f"concurrent-{protocol}-{user}-{index}"
        replies[name] = await create_queue(stack, protocol, name, callers[user])

    async with anyio.create_task_group() as group:
        for index in range(5):
            for user in callers:
                group.start_soon(create, user, index)
    assert len(replies) == 20 and all(r.ok for r in replies.values())
    for name in replies:
        user = name.split("-")[2]
        assert await stack.owner_of(name) == (user,)

"""Helpers of the REST tests (imported by name: `from rest_support import ...`)."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx
import uvicorn

from armada_adapters.wire.operations import OPERATIONS, Operation
from armada_auth import AuthContext, AuthResult, MissingCredentials
from armada_core.errors import Unauthenticated
from armada_core.ports import Waiter
from armada_core.principal import Principal
from armada_storage.feed import LocalChangeFeed

ADMIN = Principal("admin", auth_method="Bearer", groups=frozenset({"admins"}))
ALICE = Principal("alice", auth_method="Bearer", groups=frozenset({"team-a"}))
TOKENS = {"admin": ADMIN, "alice": ALICE}


class TokenBackend:
    """`Authorization: Bearer <name>` → the principal of that name (a test double)."""

    name, order = "Token", 1

    def __init__(self, principals: Mapping[str, Principal]) -> None:
        self.principals = dict(principals)

    async def authenticate(self, authorization: str | None, ctx: AuthContext) -> AuthResult:
        if not authorization or not authorization.startswith("Bearer "):
            raise MissingCredentials(self.name)
        principal = self.principals.get(authorization.removeprefix("Bearer "))
        if principal is None:
            raise Unauthenticated("unknown token")
        return AuthResult(principal)


def pod_spec() -> dict[str, Any]:
    """A pod spec that passes validation: requests equal limits."""
    resources = {"cpu": "100m", "memory": "64Mi"}
    return {
        "containers": [
            {
                "name": "main",
                "image": "busybox",
                "resources": {"requests": dict(resources), "limits": dict(resources)},
            }
        ]
    }


def submit_body(queue: str, job_set: str, n: int = 1, *, start: int = 0) -> dict[str, Any]:
    """A JobSubmitRequest with `n` valid items (client ids `c<start>`, `c<start+1>`...)."""
    items = [
        {"priority": 1, "namespace": "default", "clientId": f"c{i}", "podSpec": pod_spec()}
        for i in range(start, start + n)
    ]
    return {"queue": queue, "jobSetId": job_set, "jobRequestItems": items}


def queue_body(name: str, **extra: Any) -> dict[str, Any]:
    """A Queue message for CreateQueue."""
    return {"name": name, "priorityFactor": 1, **extra}


def lines(response: httpx.Response) -> list[dict[str, Any]]:
    """The JSON objects of a streamed answer, one per line."""
    return [json.loads(line) for line in response.text.splitlines() if line]


def error_body(message_part: str, code: int) -> Any:
    """A matcher for the unary error body (used with `==`)."""
    return _ErrorBody(message_part, code)


class _ErrorBody:
    def __init__(self, part: str, code: int) -> None:
        self.part, self.code = part, code

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, dict)
            and list(other) == ["error", "code", "message"]
            and other["code"] == self.code
            and other["error"] == other["message"]
            and self.part in other["message"]
        )

    def __repr__(self) -> str:
        return f"<error body code={self.code} containing {self.part!r}>"


def with_operation(path: str, call: Any) -> dict[str, Operation]:
    """The operation table with `call` serving the RPC `path` (same message types)."""
    op = OPERATIONS[path]
    return {
        **OPERATIONS,
        path: Operation(op.request_type_name, op.response_type_name, op.streaming, call),
    }


class Stalling:
    """An operation call that never finishes on its own; records how it ended.

    Without `lines` the call itself sleeps (a unary call, or a stream that never
    opens); with `lines` it returns a stream that yields them, then sleeps.
    `cancelled` is set when the sleep was cancelled (the deadline reached the core).
    """

    def __init__(self, lines: list[dict[str, Any]] | None = None) -> None:
        self.lines = lines
        self.called = False
        self.cancelled = False

    async def __call__(self, *args: Any) -> Any:
        self.called = True
        if self.lines is None:
            await self._stall()
            return {}
        return self._stream(self.lines)

    async def _stream(self, lines: list[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
        for line in lines:
            yield line
        await self._stall()

    async def _stall(self) -> None:
        try:
            await anyio.sleep(60)
        except anyio.get_cancelled_exc_class():
            self.cancelled = True
            raise


def listening_socket() -> socket.socket:
    """A TCP socket listening on a free port of 127.0.0.1.

    Clients can connect as soon as this returns (the kernel queues them), so tests
    need not wait for the server to start accepting.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def base_url(sock: socket.socket) -> str:
    """The http URL of a listening socket."""
    host, port = sock.getsockname()[:2]
    return f"http://{host}:{port}"


def uvicorn_server(app: Any) -> uvicorn.Server:
    """A quiet uvicorn server for `app` (an app or, with a callable, a factory)."""
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="off",
        timeout_graceful_shutdown=2,
        factory=not hasattr(app, "router") and callable(app),
    )
    return uvicorn.Server(config)


class FollowerFeed(LocalChangeFeed):
    """The in-process change feed, announcing when its last follower has left."""

    def __init__(self) -> None:
        super().__init__()
        self.emptied = anyio.Event()

    def watch_for_empty(self) -> anyio.Event:
        """A fresh event, set the next time the feed is left without followers."""
        self.emptied = anyio.Event()
        return self.emptied

    @asynccontextmanager
    async def follow(self, queue: str, job_set_id: str) -> AsyncIterator[Waiter]:
        try:
            async with super().follow(queue, job_set_id) as waiter:
                yield waiter
        finally:
            if self.follower_count() == 0:
                self.emptied.set()

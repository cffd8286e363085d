"""The backend contract shared by every authentication method.

A backend sees one string, the first `authorization` value of the request, and an
`AuthContext`; it never sees a Starlette or grpclib object. It answers with one of:

* an `AuthResult` (the caller is known);
* `MissingCredentials` (no header, or a scheme this backend does not own): the chain
  asks the next backend;
* `InvalidCredentials` (a core `Unauthenticated`): the chain stops, the call fails;
* `AuthServiceUnavailable` (a core `Unavailable`): an identity provider failed.

Messages follow Armada's wording (`auth.md` section 3) and never contain secrets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

from armada_core.errors import Unauthenticated, Unavailable
from armada_core.principal import Principal

Headers = tuple[tuple[str, str], ...]
Transport = Literal["grpc", "http"]

WWW_AUTHENTICATE = "www-authenticate"


@dataclass(frozen=True, slots=True)
class AuthContext:
    """What a backend may know about the request besides its credentials.

    `peer` is the client's IP address (no port), or None when unknown.
    """

    peer: str | None = None
    transport: Transport = "grpc"


@dataclass(frozen=True, slots=True)
class AuthResult:
    """A successful authentication.

    `response_headers` (lower-case names) must go out with the first response
    headers, for example a SPNEGO mutual-authentication token.
    """

    principal: Principal
    response_headers: Headers = ()


@runtime_checkable
class AuthBackend(Protocol):
    """One authentication method. Lower `order` runs first."""

    name: str
    order: int

    async def authenticate(self, authorization: str | None, ctx: AuthContext) -> AuthResult:
        """Authenticate one request or raise one of the errors of this module."""
        ...


@runtime_checkable
class SupportsLifecycle(Protocol):
    """Optional: a backend with start-up work (discovery, keytab checks) and cleanup."""

    async def start(self) -> None:
        """Prepare the backend; raise `ConfigError` if it cannot work."""
        ...

    async def aclose(self) -> None:
        """Release what `start` acquired."""
        ...


Factory = Callable[[Any, Mapping[str, Any]], "AuthBackend | None"]
"""`(section, whole_auth_config) -> AuthBackend | None`; None means "not enabled"."""


class MissingCredentials(Exception):
    """Internal signal: this backend has nothing to say, ask the next one.

    `headers` are challenges (`www-authenticate: Negotiate`) that go out only if
    every backend reports missing credentials.
    """

    def __init__(self, service: str, detail: str = "", headers: Headers = ()) -> None:
        suffix = f": {detail}" if detail else ""
        super().__init__(f'Missing credentials via auth service "{service}"{suffix}')
        self.service = service
        self.headers = headers


class InvalidCredentials(Unauthenticated):
    """Credentials of this backend's scheme were presented and rejected."""

    def __init__(
        self, service: str, detail: str = "", *, user: str | None = None, headers: Headers = ()
    ) -> None:
        who = f' for user "{user}"' if user is not None else ""
        suffix = f": {detail}" if detail else ""
        message = f'Invalid credentials presented{who} via auth service "{service}"{suffix}'
        super().__init__(message, headers)
        self.service = service


class AuthServiceUnavailable(Unavailable):
    """The backend could not decide because something it relies on failed."""

    def __init__(self, service: str, detail: str) -> None:
        super().__init__(f'Encountered an internal error via auth service "{service}": {detail}')
        self.service = service


def credentials_for(
    scheme: str, authorization: str | None, service: str, challenge: Headers = ()
) -> str:
    """Return what follows `<scheme> ` in the header, or raise `MissingCredentials`.

    The header is split at the first space; the scheme word is compared ignoring case.
    `challenge` rides on the `MissingCredentials` signal.
    """
    if authorization is None:
        raise MissingCredentials(service, headers=challenge)
    word, space, rest = authorization.partition(" ")
    if not space or word.lower() != scheme.lower():
        raise MissingCredentials(service, headers=challenge)
    return rest

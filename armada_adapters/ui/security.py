"""The UI's browser protections: security headers on every response, and CSRF.

Headers: a Content-Security-Policy that allows scripts, styles and requests from
the server itself only (no inline script or style anywhere in the templates), no
framing, no MIME sniffing, and no referrer sent to other origins.

CSRF (double submit): every page sets a random `armada_csrf` cookie (SameSite=Strict,
HttpOnly) if the browser has none, and each form carries the same token in a hidden
field. A POST is accepted only when the field equals the cookie and, when the browser
sends an `Origin`, it is the UI's own. A page on another site can neither read the
cookie nor make the browser send it (SameSite), and a browser's stored Basic
credentials alone are not enough to act.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_COOKIE = "armada_csrf"
CSRF_FIELD = "csrf_token"
_TOKEN_BYTES = 32
_FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 256 * 1024  # 500 job ids and a reason fit many times over
MAX_FORM_FIELDS = 1000
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
)


class CsrfRefused(Exception):
    """A POST without a matching token, or from another origin."""


class SecurityMiddleware:
    """Adds the security headers, and the CSRF cookie when the browser has none.

    The request's token (the cookie's, or a new one) is `scope["state"]["csrf"]`,
    for templates to put in their forms.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = Request(scope).cookies.get(CSRF_COOKIE, "")
        fresh = not _well_formed(token)
        if fresh:
            token = secrets.token_urlsafe(_TOKEN_BYTES)
        scope.setdefault("state", {})["csrf"] = token
        headers = list(HEADERS)
        if fresh:
            headers.append((b"set-cookie", _cookie(scope, token).encode()))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                _replace_headers(message, headers)
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def checked_form(request: Request) -> ImmutableMultiDict[str, str]:
    """The POSTed form, if its token matches the cookie and it comes from here."""
    origin = request.headers.get("origin")
    if origin is not None and origin != _own_origin(request):
        raise CsrfRefused("the request comes from another origin")
    form = await _urlencoded(request)
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = form.get(CSRF_FIELD)
    if not _well_formed(cookie) or not isinstance(sent, str):
        raise CsrfRefused("the form has no valid CSRF token")
    if not hmac.compare_digest(sent.encode(), cookie.encode()):
        raise CsrfRefused("the form's CSRF token does not match")
    return form


async def _urlencoded(request: Request) -> ImmutableMultiDict[str, str]:
    """The body as an HTML form (the UI's forms are all urlencoded), bounded in size."""
    if request.headers.get("content-type", "").split(";")[0].strip() != _FORM_TYPE:
        raise CsrfRefused(f"a form must be sent as {_FORM_TYPE}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise CsrfRefused(f"the form is larger than {MAX_FORM_BYTES} bytes")
    try:
        pairs = parse_qsl(body.decode(), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise CsrfRefused("the form cannot be read") from None
    return ImmutableMultiDict(pairs)


def _own_origin(request: Request) -> str:
    host = request.headers.get("host", "")
    return f"{request.url.scheme}://{host}"


def _well_formed(token: str) -> bool:
    return 32 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()


def _cookie(scope: Scope, token: str) -> str:
    secure = "; Secure" if scope.get("scheme") == "https" else ""
    return f"{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}"


def _replace_headers(message: MutableMapping[str, Any], extra: list[tuple[bytes, bytes]]) -> None:
    names = {name for name, _ in extra if name != b"set-cookie"}
    kept = [(k, v) for k, v in message.get("headers", ()) if k.lower() not in names]
    message["headers"] = [*kept, *extra]

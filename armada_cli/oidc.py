"""OpenID Connect token grants armadactl supports without a browser (spec §2.4).

Discovery (`<providerUrl>/.well-known/openid-configuration`) gives the endpoints; a
token is reused until shortly before it expires. The device flow prints armadactl's
prompts on stderr and polls as RFC 8628 says.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import httpx

from armada_cli.errors import CliError

SA_TOKEN_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/token"
EARLY = 30.0  # renew this many seconds before expiry
MAX_INTERVAL = 15.0
Grant = Callable[[httpx.AsyncClient, Mapping[str, Any]], Awaitable[dict[str, Any]]]


class TokenSource:
    """Access tokens from one grant, cached until they are about to expire."""

    def __init__(self, grant: Grant, settings: Mapping[str, Any]) -> None:
        self._grant = grant
        self._settings = settings
        self._token = ""
        self._expires = 0.0

    async def token(self) -> str:
        if self._token and time.monotonic() < self._expires:
            return self._token
        async with httpx.AsyncClient(timeout=30.0) as client:
            try:
                reply = await self._grant(client, self._settings)
            except httpx.HTTPError as error:
                raise CliError(f"openid: {' '.join(str(error).split())[:500]}") from None
        if not isinstance(reply.get("access_token"), str):
            raise CliError("openid: the provider returned no access_token")
        self._token = reply["access_token"]
        self._expires = time.monotonic() + float(reply.get("expires_in") or 300) - EARLY
        return self._token


async def discover(client: httpx.AsyncClient, provider_url: str) -> dict[str, Any]:
    url = provider_url.rstrip("/") + "/.well-known/openid-configuration"
    return _json(await client.get(url))


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise CliError(f"openid: {response.url} answered {response.status_code} without JSON")
    if response.status_code >= 400 and data.get("error") not in _PENDING:
        raise CliError(f"openid: {data.get('error')}: {str(data.get('error_description'))[:300]}")
    return data


def _scope(settings: Mapping[str, Any], extra: tuple[str, ...] = ()) -> str:
    return " ".join([*(str(s) for s in settings.get("scopes") or []), *extra])


async def _token_request(
    client: httpx.AsyncClient, settings: Mapping[str, Any], form: dict[str, str]
) -> dict[str, Any]:
    endpoint = (await discover(client, str(settings["providerurl"])))["token_endpoint"]
    form = {"client_id": str(settings.get("clientid") or ""), **form}
    return _json(await client.post(endpoint, data=form))


async def password_grant(client: httpx.AsyncClient, s: Mapping[str, Any]) -> dict[str, Any]:
    form = {
        "grant_type": "password",
        "username": str(s.get("username") or ""),
        "password": str(s.get("password") or ""),
        "scope": _scope(s, ("openid",)),
    }
    return await _token_request(client, s, form)


async def client_credentials(client: httpx.AsyncClient, s: Mapping[str, Any]) -> dict[str, Any]:
    form = {
        "grant_type": "client_credentials",
        "client_secret": str(s.get("clientsecret") or ""),
        "scope": _scope(s),
    }
    return await _token_request(client, s, form)


async def kubernetes_grant(client: httpx.AsyncClient, s: Mapping[str, Any]) -> dict[str, Any]:
    assertion = os.environ.get("K8S_SERVICEACCOUNT_TOKEN")
    if assertion is None:
        try:
            assertion = Path(SA_TOKEN_FILE).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise CliError(f"openIdKubernetesAuth: cannot read {SA_TOKEN_FILE}: {error}") from None
    form = {
        "grant_type": "kubernetes",
        "client_id": str(s.get("clientid") or ""),
        "scope": _scope(s),
        "client_assertion": assertion,
    }
    url = str(s["providerurl"]).rstrip("/") + "/connect/token"
    return _json(await client.post(url, data=form))


_PENDING = ("authorization_pending", "slow_down")


async def device_grant(client: httpx.AsyncClient, s: Mapping[str, Any]) -> dict[str, Any]:
    config = await discover(client, str(s["providerurl"]))
    if "device_authorization_endpoint" not in config:
        raise CliError("openIdDeviceAuth: the provider has no device_authorization_endpoint")
    client_id = str(s.get("clientid") or "")
    form = {"client_id": client_id, "scope": _scope(s, ("openid",))}
    code = _json(await client.post(config["device_authorization_endpoint"], data=form))
    _prompt(code)
    interval = float(code.get("interval") or 5)
    grant = {
        "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
        "device_code": str(code.get("device_code")),
        "client_id": client_id,
    }
    while True:
        await asyncio.sleep(interval)
        reply = _json(await client.post(config["token_endpoint"], data=grant))
        if reply.get("error") == "slow_down":
            interval = min(interval + 3, MAX_INTERVAL)
        elif reply.get("error") != "authorization_pending":
            print("\nAuthentication successful!\n", file=sys.stderr)
            return reply


def _prompt(code: Mapping[str, Any]) -> None:
    if complete := code.get("verification_uri_complete"):
        print(f"Complete your login in the browser:\n\n    {complete}\n", file=sys.stderr)
    else:
        print(
            f"Go to:\n\n    {code.get('verification_uri')}\n\n"
            f"and enter code: {code.get('user_code')}\n",
            file=sys.stderr,
        )


GRANTS: dict[str, Grant] = {
    "openiddeviceauth": device_grant,
    "openidpasswordauth": password_grant,
    "openidclientcredentialsauth": client_credentials,
    "openidkubernetesauth": kubernetes_grant,
}

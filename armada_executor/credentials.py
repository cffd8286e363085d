"""The executor's credentials, as request metadata: Basic, or an OIDC client-credentials token.

Armada's executor supports these two among others (`executorApiConnection.basicAuth`,
`executorApiConnection.openIdClientCredentialsAuth`). The OIDC token is fetched from the
provider's token endpoint (found by discovery) and reused until shortly before it expires.
"""

from __future__ import annotations

import base64
import time
from typing import Any

from armada_executor.config import BasicAuth, ClientCredentials, ExecutorConfig

REFRESH_MARGIN_SECONDS = 30.0


class NoCredentials:
    async def metadata(self) -> dict[str, str]:
        return {}


class BasicCredentials:
    def __init__(self, auth: BasicAuth) -> None:
        pair = f"{auth.username}:{auth.password}".encode()
        self._header = "Basic " + base64.b64encode(pair).decode("ascii")

    async def metadata(self) -> dict[str, str]:
        return {"authorization": self._header}


class ClientCredentialsToken:
    """A bearer token from the OAuth 2 client-credentials grant, cached until near expiry."""

    def __init__(self, auth: ClientCredentials) -> None:
        self._auth = auth
        self._token = ""
        self._expires = 0.0

    async def metadata(self) -> dict[str, str]:
        if time.monotonic() >= self._expires:
            await self._refresh()
        return {"authorization": f"Bearer {self._token}"}

    async def _refresh(self) -> None:
        import httpx  # the openid extra; only needed with this kind of credentials

        async with httpx.AsyncClient(timeout=30.0) as http:
            discovery = self._auth.provider_url.rstrip("/") + "/.well-known/openid-configuration"
            endpoint = (await _json(http.get(discovery)))["token_endpoint"]
            form = {
                "grant_type": "client_credentials",
                "client_id": self._auth.client_id,
                "client_secret": self._auth.client_secret,
            }
            if self._auth.scopes:
                form["scope"] = " ".join(self._auth.scopes)
            reply = await _json(http.post(endpoint, data=form))
        self._token = reply["access_token"]
        lifetime = float(reply.get("expires_in", 300))
        self._expires = time.monotonic() + max(lifetime - REFRESH_MARGIN_SECONDS, 1.0)


async def _json(pending: Any) -> Any:
    response = await pending
    response.raise_for_status()
    return response.json()


def credentials_for(
    config: ExecutorConfig,
) -> NoCredentials | BasicCredentials | ClientCredentialsToken:
    if config.client_credentials is not None:
        return ClientCredentialsToken(config.client_credentials)
    if config.basic_auth is not None:
        return BasicCredentials(config.basic_auth)
    return NoCredentials()

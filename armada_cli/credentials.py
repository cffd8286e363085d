"""Credentials for each call: the `authorization` metadata armadactl would send (spec §2.4).

The first configured method wins, in armadactl's order. Supported: `basicAuth`,
`openIdPasswordAuth`, `openIdClientCredentialsAuth`, `openIdKubernetesAuth`,
`openIdDeviceAuth`, `execAuth`, and (an addition) `kerberosAuth` through pyspnego.
`openIdAuth` (browser PKCE) and `kubernetesNativeAuth` fail with a clear message.
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import os
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from armada_cli import oidc
from armada_cli.errors import CliError

Metadata = list[tuple[str, str]]
Provider = Callable[[], Awaitable[Metadata]]


def provider_for(auth: Mapping[str, Mapping[str, Any]], url: str) -> Provider:
    """The metadata source for these settings (lower-cased keys) and target `host:port`."""
    if (basic := auth.get("basicauth")) and basic.get("username"):
        return _static(_basic(str(basic["username"]), str(basic.get("password") or "")))
    if (native := auth.get("kubernetesnativeauth")) and native.get("enabled"):
        raise CliError("kubernetesNativeAuth is not supported by this armadactl")
    if (pkce := auth.get("openidauth")) and pkce.get("providerurl"):
        raise CliError(
            "openIdAuth (browser login) is not supported by this armadactl; "
            "use openIdDeviceAuth or openIdPasswordAuth"
        )
    for key, grant in oidc.GRANTS.items():
        if (settings := auth.get(key)) and settings.get("providerurl"):
            return _bearer(oidc.TokenSource(grant, settings).token)
    if (command := auth.get("execauth")) and command.get("cmd"):
        return _bearer(lambda: exec_token(command))
    if (kerberos := auth.get("kerberosauth")) is not None:
        return _kerberos(kerberos, url)
    return _static([])


def _basic(username: str, password: str) -> Metadata:
    encoded = base64.b64encode(f"{username}:{password}".encode()).decode()
    return [("authorization", f"basic {encoded}")]


def _static(metadata: Metadata) -> Provider:
    async def provide() -> Metadata:
        return metadata

    return provide


def _bearer(token: Callable[[], Awaitable[str]]) -> Provider:
    async def provide() -> Metadata:
        return [("authorization", f"Bearer {await token()}")]

    return provide


async def exec_token(settings: Mapping[str, Any]) -> str:
    """Run `cmd args...` (plus `env` entries); its trimmed stdout is the token."""
    env = dict(os.environ)
    env.update({str(e.get("name")): str(e.get("value", "")) for e in settings.get("env") or []})
    args = [str(settings["cmd"]), *(str(a) for a in settings.get("args") or [])]
    stdin = None if settings.get("interactive") else asyncio.subprocess.DEVNULL
    try:
        process = await asyncio.create_subprocess_exec(
            *args, env=env, stdin=stdin, stdout=asyncio.subprocess.PIPE
        )
        stdout, _ = await process.communicate()
    except OSError as error:
        raise CliError(f"error retrieving credentials; command stdout: : {error}") from None
    text = stdout.decode(errors="replace").strip()
    if process.returncode != 0:
        raise CliError(
            f"error retrieving credentials; command stdout: {text[:500]}: "
            f"exit status {process.returncode}"
        )
    if not text:
        raise CliError("command didn't return a token")
    return text


def _kerberos(settings: Mapping[str, Any], url: str) -> Provider:
    """SPNEGO `Negotiate` tokens for `service@hostname` (default `HTTP@<armadaUrl host>`)."""
    try:
        spnego = importlib.import_module("spnego")
    except ImportError:
        raise CliError("kerberosAuth needs pyspnego: pip install 'armada-py[kerberos]'") from None
    hostname = str(settings.get("hostname") or urlsplit(f"//{url}").hostname or "")
    service = str(settings.get("service") or "HTTP")

    async def provide() -> Metadata:
        def step() -> bytes:
            client = spnego.client(hostname=hostname, service=service, protocol="negotiate")
            return bytes(client.step())

        try:
            token = await asyncio.to_thread(step)
        except Exception as error:  # any GSSAPI failure is a credentials problem
            raise CliError(
                f"kerberos: could not get a ticket for {service}@{hostname}: "
                f"{' '.join(str(error).split())[:500]}"
            ) from None
        return [("authorization", "Negotiate " + base64.b64encode(token).decode())]

    return provide

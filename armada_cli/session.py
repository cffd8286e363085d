"""What every command shares: the global flags, the configuration, and running API calls."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import click

from armada_cli import config
from armada_cli.config import Connection
from armada_cli.rpc import Api

T = TypeVar("T")


@dataclass
class Session:
    """The root flags (`--config`, `--armadaUrl`, `--context`) and what they lead to."""

    config_path: str | None = None
    url_flag: str | None = None
    context_flag: str = ""
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    _config: config.Config | None = None
    _noticed: bool = False

    def config(self) -> config.Config:
        if self._config is None:
            self._config = config.load(
                self.config_path,
                self.environ,
                url_flag=self.url_flag,
                context_flag=self.context_flag,
            )
        return self._config

    def connection(self) -> Connection:
        """The connection in effect (printing the legacy-format notice once)."""
        connection, notice = self.config().connection()
        if notice and not self._noticed:
            click.echo(notice, err=True)  # stderr: it must not spoil YAML on stdout
            self._noticed = True
        return connection

    def call(self, action: Callable[[Api], Awaitable[T]], *, url: str | None = None) -> T:
        """Run `action` with an open channel (one per command) to the API, or to `url`
        with the same TLS rule and credentials."""
        connection = self.connection()
        if url is not None:
            connection = replace(connection, url=url)
        return asyncio.run(_with_api(Api(connection), action))


async def _with_api(api: Api, action: Callable[[Api], Awaitable[T]]) -> T:
    async with api:
        return await action(api)


_pass_session: Any = click.make_pass_decorator(Session, ensure=True)


def pass_session(command: Callable[..., T]) -> Callable[..., T]:
    """Decorator: call `command` with the root command's `Session` first."""
    wrapped: Callable[..., T] = _pass_session(command)
    return wrapped

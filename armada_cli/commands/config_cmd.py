"""config use-context / get-contexts / current-context (spec §4)."""

from __future__ import annotations

import click
import yaml

from armada_cli.base import parent
from armada_cli.config import read_file
from armada_cli.errors import CliError
from armada_cli.session import Session, pass_session


def register(root: click.Group) -> None:
    config = parent(root, "config", "Operations on the armadactl configuration file.")

    @config.command("get-contexts")
    @pass_session
    def get_contexts(session: Session) -> None:
        """List the contexts of the config file, marking the current one."""
        loaded = session.config()
        names = sorted(str(name) for name in loaded.contexts)
        current = loaded.current_context
        shown = [f"{n} (current)" if n == current else n for n in names]
        click.echo("Available contexts: " + ", ".join(shown))

    @config.command("current-context")
    @pass_session
    def current_context(session: Session) -> None:
        """Print the context in effect."""
        click.echo(f"Current context: {session.config().current_context}")

    @config.command("use-context")
    @click.argument("context", metavar="<context>")
    @pass_session
    def use_context(session: Session, context: str) -> None:
        """Set currentContext in the config file.

        Other keys of the file are kept (armadactl drops them); comments are not.
        """
        loaded = session.config()
        if context not in loaded.contexts:
            raise CliError(f"unable to use context {context}. Context not defined in config.")
        data = read_file(loaded.path) if loaded.path.is_file() else {}
        key = next((k for k in data if str(k).lower() == "currentcontext"), "currentContext")
        data[key] = context
        try:
            loaded.path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        except OSError as error:
            raise CliError(f"could not write config file {loaded.path}: {error.strerror}") from None
        if not loaded.explicit:
            click.echo(f"Current context set to {context}")

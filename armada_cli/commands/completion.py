"""completion bash|zsh|fish: the shell script that completes armadactl's commands."""

from __future__ import annotations

import click
from click.shell_completion import get_completion_class

SHELLS = ("bash", "zsh", "fish")


def register(root: click.Group) -> None:
    @root.command("completion")
    @click.argument("shell", type=click.Choice(SHELLS), metavar="bash|zsh|fish")
    def completion(shell: str) -> None:
        """Generate the autocompletion script for the specified shell."""
        completer = get_completion_class(shell)
        assert completer is not None  # every name of SHELLS is built into click
        click.echo(completer(root, {}, "armadactl", "_ARMADACTL_COMPLETE").source())

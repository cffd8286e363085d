"""version (spec §11): armadactl's four aligned lines, with this package's build facts."""

from __future__ import annotations

import platform
from importlib import metadata

import click

DISTRIBUTION = "armada-py"


def register(root: click.Group) -> None:
    @root.command("version")
    def version() -> None:
        """Prints version information."""
        try:
            release = metadata.version(DISTRIBUTION)
        except metadata.PackageNotFoundError:
            release = ""
        rows = (
            ("Version:", release),
            ("Commit:", ""),
            ("Go version:", f"none (Python {platform.python_version()})"),
            ("Built:", ""),
        )
        for label, value in rows:
            click.echo(f"{label:<12}{value}")

"""Click classes that behave like armadactl's cobra commands (spec §1).

* positional arguments are counted first: `accepts 2 arg(s), received 3`;
* a parent command run without a known subcommand prints its help and exits 0;
  an unknown top-level word is `unknown command "junk" for "armadactl"`;
* `-h` as well as `--help`; list flags take comma-separated values and may repeat.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import click
from click.decorators import FC

CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"]}


class Command(click.Command):
    """A command whose fixed positional arguments are counted as cobra counts them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("context_settings", CONTEXT_SETTINGS)
        super().__init__(*args, **kwargs)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        wanted = [p for p in self.params if isinstance(p, click.Argument)]
        if wanted and all(p.nargs == 1 for p in wanted) and not _asks_help(ctx, args):
            received = self._positional_count(ctx, args)
            if received is not None and received != len(wanted):
                raise click.UsageError(f"accepts {len(wanted)} arg(s), received {received}", ctx)
        return super().parse_args(ctx, args)

    def _positional_count(self, ctx: click.Context, args: list[str]) -> int | None:
        """How many positional words `args` holds (None if the options do not parse)."""
        options = [p for p in self.params if not isinstance(p, click.Argument)]
        counter = click.Command(self.name, params=[*options, click.Argument(["rest"], nargs=-1)])
        try:
            parsed, _, _ = counter.make_parser(ctx).parse_args(args=list(args))
        except click.UsageError:
            return None  # the real parse reports it
        return len(parsed.get("rest") or ())


class Group(click.Group):
    """A parent command: help (exit 0) when no known subcommand follows."""

    command_class = Command

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("context_settings", CONTEXT_SETTINGS)
        kwargs.setdefault("invoke_without_command", True)
        kwargs.setdefault("no_args_is_help", False)
        super().__init__(*args, **kwargs)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if self.get_command(ctx, name) is None and not name.startswith("-"):
            if ctx.parent is None:
                raise click.UsageError(f'unknown command "{name}" for "{ctx.info_name}"', ctx)
            click.echo(ctx.get_help())
            ctx.exit(0)
        return super().resolve_command(ctx, args)


Group.group_class = Group


def help_unless_subcommand(ctx: click.Context) -> None:
    """A parent's own action: its help, exit 0 (when no subcommand follows)."""
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())
        ctx.exit(0)


def parent(group: click.Group, name: str, help: str) -> click.Group:
    """A parent command `name` under `group` that only groups subcommands."""

    @group.group(name, cls=Group, help=help)
    @click.pass_context
    def command(ctx: click.Context) -> None:
        help_unless_subcommand(ctx)

    return command


def _asks_help(ctx: click.Context, args: Sequence[str]) -> bool:
    return any(a in ctx.help_option_names for a in args)


def split_commas(ctx: click.Context, param: click.Parameter, values: Any) -> list[str]:
    """A cobra StringSlice: `-l a=b -l c=d` ≡ `-l a=b,c=d`."""
    return [item for value in values or () for item in value.split(",") if item != ""]


def slice_option(*names: str, help: str) -> Callable[[FC], FC]:
    """A repeatable, comma-separated list flag (default empty)."""
    return click.option(*names, multiple=True, callback=split_commas, help=help)


class GoFloat(click.ParamType[float]):
    """A float flag or argument whose error reads like cobra's."""

    name = "float"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, float):
            return value
        try:
            return float(value)
        except ValueError:
            flag = param.opts[-1] if param is not None and param.opts else "value"
            self.fail(
                f'invalid argument "{value}" for "{flag}" flag: '
                f'strconv.ParseFloat: parsing "{value}": invalid syntax',
                param,
                ctx,
            )

"""`armadactl`: the root command, its global flags, and the one place errors are printed.

Every failure ends here as `Error: <message>` on stderr and exit status 1, never a
traceback: CliError, click's usage errors (with a hint to `--help`), gRPC errors,
network errors (OSError) and YAML errors.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence

import click
import yaml
from grpclib.exceptions import GRPCError, ProtocolError, StreamTerminatedError

from armada_cli.base import Group, help_unless_subcommand, parent
from armada_cli.commands import (
    cancel,
    completion,
    config_cmd,
    cordon,
    create,
    logs,
    preempt,
    queue,
    reports,
    reprioritize,
    retry_policy,
    submit,
    version,
    watch,
)
from armada_cli.config import DEFAULT_URL, one_line
from armada_cli.errors import CliError, rpc_error_text
from armada_cli.session import Session

ROOT_HELP = "armadactl controls the Armada batch job queueing system."


# The persistent flags (cobra's): accepted by the root and, after it, by every command.
GLOBAL_FLAGS = (
    ("context_flag", ("-c", "--context"), "Context to use (overrides currentContext)."),
    ("url_flag", ("--armadaUrl",), f"Specify armada server url  [default: {DEFAULT_URL}]"),
    ("config_path", ("--config",), "Config file (default is $HOME/.armadactl.yaml)."),
)


@click.group("armadactl", cls=Group, help=ROOT_HELP)
@click.pass_context
def cli(ctx: click.Context) -> None:
    ctx.ensure_object(Session)
    help_unless_subcommand(ctx)


def _inherit_global_flags(command: click.Command) -> None:
    """Give `command` and everything under it the global flags (once each)."""
    have = {param.name for param in command.params}
    for attribute, names, text in GLOBAL_FLAGS:
        if attribute not in have:
            command.params.append(
                click.Option(
                    [*names, attribute],
                    default=None,
                    expose_value=False,
                    callback=_set_on_session,
                    help=text,
                )
            )
    if isinstance(command, click.Group):
        for child in command.commands.values():
            _inherit_global_flags(child)


def _set_on_session(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None and param.name is not None:
        setattr(ctx.ensure_object(Session), param.name, value)


def _build() -> None:
    groups = {
        name: parent(cli, name, text)
        for name, text in (
            ("update", "Update Armada resource. Supported: queue, retry-policy"),
            ("delete", "Delete Armada resource. Supported: queue, executor, retry-policy"),
            (
                "get",
                "Retrieve information about armada resource. Supported: queue, queues, "
                "retry-policy, retry-policies, scheduling-report, queue-report, job-report",
            ),
        )
    }
    groups["create"] = create.group(cli)
    queue.register(groups["create"], groups["update"], groups["delete"], groups["get"])
    cordon.register_delete_executor(groups["delete"])
    retry_policy.register(groups["create"], groups["update"], groups["delete"], groups["get"])
    reports.register(groups["get"])
    for module in (
        config_cmd,
        submit,
        cancel,
        preempt,
        reprioritize,
        cordon,
        watch,
        logs,
        version,
        completion,
    ):
        module.register(cli)


_build()
_inherit_global_flags(cli)


def main(argv: Sequence[str] | None = None) -> None:
    """The console script: run and exit with armadactl's status (0 or 1)."""
    sys.exit(run(list(argv) if argv is not None else sys.argv[1:]))


def run(argv: list[str]) -> int:
    try:
        cli.main(argv, prog_name="armadactl", standalone_mode=False)
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.Abort:
        return _fail("aborted")
    except click.UsageError as error:
        return _usage(error)
    except CliError as error:
        return _fail(str(error))
    except GRPCError as error:
        return _fail(rpc_error_text(error))
    except (TimeoutError, OSError, ProtocolError, StreamTerminatedError) as error:
        return _fail(_network_text(error))
    except yaml.YAMLError as error:
        return _fail(one_line(error))
    except KeyboardInterrupt:
        return 130
    return 0


def _usage(error: click.UsageError) -> int:
    message = error.message
    if isinstance(error, click.NoSuchOption):
        message = f"unknown flag: {error.option_name}"
    elif isinstance(error, click.MissingParameter) and isinstance(error.param, click.Option):
        message = f'required flag(s) "{error.param.opts[-1].lstrip("-")}" not set'
    elif isinstance(error, click.BadParameter) and not message.startswith("invalid argument"):
        message = error.format_message()
    _fail(message)
    if error.ctx is not None:
        click.echo(f"Run '{error.ctx.command_path} --help' for usage.", err=True)
    return 1


def _fail(message: str) -> int:
    click.echo(click.style("Error:", fg="red") + " " + message, err=True)
    return 1


def _network_text(error: BaseException) -> str:
    if isinstance(error, asyncio.TimeoutError):
        return "rpc error: code = DeadlineExceeded desc = context deadline exceeded"
    return f"failed to connect to api because {one_line(error) or type(error).__name__}"

"""What cancel, preempt, reprioritize and cordon share (spec §6.2-§9): the `<queue>
<job-set> <job-id>` arguments, one RPC with armadactl's failure line, and the queues
variants' selection (names or labels, priority classes, pools, one RPC per queue)."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any

import click
from grpclib.exceptions import GRPCError

from armada_cli.base import slice_option
from armada_cli.errors import CliError, rpc_error_text, unsupported
from armada_cli.fetch import all_queues, request
from armada_cli.queues import Selection, check_names
from armada_cli.rpc import Api
from armada_cli.session import Session

ALL = "all"


def shown(values: Sequence[str], empty: str = ALL) -> str:
    """A list as the messages print it: `a,b`, or `all` when empty."""
    return ",".join(values) if values else empty


def chosen_classes(values: Sequence[str], all_classes: bool) -> list[str]:
    """`-p` values, or the empty list (= every class) under `-a`; one of them is required."""
    if all_classes:
        return []
    if not values:
        raise click.UsageError(
            'required flag(s) "priority-classes" not set', click.get_current_context(silent=True)
        )
    return list(values)


def priority_class_options(command: Any) -> Any:
    command = click.option(
        "-a", "--all-priority-classes", is_flag=True, help="Select all priority classes."
    )(command)
    return slice_option(
        "-p", "--priority-classes", help="Priority classes to select (required unless -a)."
    )(command)


def job_arguments(*, job_id: bool = True) -> Callable[[Any], Any]:
    """`<queue> <job-set>` and, with `job_id`, `<job-id>`: the first positional arguments
    of cancel/preempt/reprioritize job and job-set (further ones follow them)."""

    def decorate(command: Any) -> Any:
        names = ("queue", "job_set", "job_id") if job_id else ("queue", "job_set")
        for name in reversed(names):
            command = click.argument(name, metavar=f"<{name.replace('_', '-')}>")(command)
        return command

    return decorate


def unary_or_fail(
    session: Session, method: str, message: Any, failure: str, what: str | None = None
) -> Any:
    """One RPC on a fresh channel; on failure armadactl's `failure: <rpc error>` line."""
    return session.call(
        lambda api: call_or_fail(partial(api.unary, method, message), failure, what)
    )


def queues_variant(pools_help: str) -> Callable[[Any], Any]:
    """Arguments and flags of `cancel queues` / `preempt queues`: names, `-p`/`-a`,
    `--pools`, and the selection flags (`-l`, `--inverse`, `--only-cordoned`, `--dry-run`)."""

    def decorate(command: Any) -> Any:
        command = queue_selection_options(command)
        command = slice_option("--pools", help=pools_help)(command)
        command = priority_class_options(command)
        return click.argument("names", nargs=-1, metavar="[queue...]")(command)

    return decorate


def on_selected_queues(
    session: Session,
    chosen: Selection,
    *,
    dry_run: bool,
    line: Callable[[str], str],
    method: str,
    message: Callable[[str], tuple[str, dict[str, Any]]],
    failure: str,
) -> None:
    """For each selected queue (server order): print `line(name)`, then unless `dry_run`
    send `message(name)` (type, body) to `method`; the first failure stops with
    `failure` (`{name}` filled in)."""

    async def act(api: Api) -> None:
        for name in await selected_names(api, chosen):
            click.echo(line(name))
            if dry_run:
                continue
            call = partial(api.unary, method, request(*message(name)))
            await call_or_fail(call, failure.format(name=name))

    session.call(act)


def queue_selection_options(command: Any, *, selector: str = "--selector") -> Any:
    """`-l`, `--inverse`, `--only-cordoned`, `--dry-run` of the queues variants."""
    for option in (
        click.option(
            "--dry-run", is_flag=True, help="Print the queues that would be affected; make no call."
        ),
        click.option("--only-cordoned", is_flag=True, help="Only select cordoned queues."),
        click.option("--inverse", is_flag=True, help="Select the queues that do not match."),
        slice_option("-l", selector, help="Label selectors (key or key=value)."),
    ):
        command = option(command)
    return command


def selection(
    names: Sequence[str], selectors: Sequence[str], inverse: bool, only_cordoned: bool
) -> Selection:
    """The queues chosen by names or labels (never both, never neither)."""
    if names and selectors:
        raise CliError(
            "queues can be selected either with a set of names or a set of labels, but not both"
        )
    if not names and not selectors:
        raise CliError("queue selection must be narrowed down either by names or by labels")
    check_names(names)
    return Selection(names, selectors, inverse, only_cordoned)


async def selected_names(api: Api, chosen: Selection) -> list[str]:
    return [str(q.get("name")) for q in chosen.select(await all_queues(api))]


async def queues_or_all(api: Api, queues: Sequence[str]) -> list[str]:
    """The given queue names, or (when none) every queue's name, as armadactl sends them."""
    if queues:
        return list(queues)
    return [str(q.get("name")) for q in await all_queues(api)]


async def call_or_fail(
    call: Callable[[], Awaitable[Any]], failure: str, what: str | None = None
) -> Any:
    """Run one RPC; on failure `failure: <rpc error>` (or "not supported by this server")."""
    try:
        return await call()
    except GRPCError as error:
        if what is not None and (missing := unsupported(error, what)):
            raise missing from None
        raise CliError(f"{failure}: {rpc_error_text(error)}") from None


def alias(group: click.Group, command: click.Command, name: str) -> None:
    """Register `command` again as `name`, hidden from the help listing."""
    twin = copy.copy(command)
    twin.hidden = True
    group.add_command(twin, name)

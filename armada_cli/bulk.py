"""What the queue/executor/node variants of cancel, preempt and cordon share (spec §6.2)."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import click
from grpclib.exceptions import GRPCError

from armada_cli.base import slice_option
from armada_cli.errors import CliError, rpc_error_text, unsupported
from armada_cli.fetch import all_queues
from armada_cli.queues import Selection, check_names
from armada_cli.rpc import Api

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

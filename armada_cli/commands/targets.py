"""The executor and node variants of cancel and preempt (spec §6.2, §7).

They differ only in words and RPC names, so one definition serves both verbs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import click

from armada_cli.base import slice_option
from armada_cli.bulk import (
    call_or_fail,
    chosen_classes,
    priority_class_options,
    queues_or_all,
    shown,
)
from armada_cli.fetch import request
from armada_cli.rpc import Api
from armada_cli.session import Session, pass_session


@dataclass(frozen=True)
class Action:
    """`cancel` or `preempt`, with the words its messages use."""

    verb: str  # cancel
    noun: str  # cancellation
    gerund: str  # cancelling

    @property
    def rpc(self) -> str:
        return self.verb.capitalize()  # CancelOnExecutor, api.ExecutorCancelRequest


CANCEL = Action("cancel", "cancellation", "cancelling")
PREEMPT = Action("preempt", "preemption", "preempting")


def _run(
    session: Session,
    action: Action,
    target: str,
    queues: Sequence[str],
    what: str,
    body: dict[str, Any],
    failure: str,
) -> None:
    """Print the selection, call `<Target>.<Verb>On<Target>` (all queues if none given)."""
    kind = target.capitalize()

    async def act(api: Api) -> None:
        names = await queues_or_all(api, queues)
        click.echo(f"Requesting {action.noun} of jobs matching {what}")
        message = request(f"api.{kind}{action.rpc}Request", {**body, "queues": names})
        rpc = f"/api.{kind}/{action.rpc}On{kind}"
        await call_or_fail(partial(api.unary, rpc, message), failure, f"{action.verb} {target}")

    session.call(act)


def register(group: click.Group, action: Action) -> None:
    @group.command("executor", help=f"{action.verb.capitalize()}s jobs on an executor.")
    @click.argument("executor", metavar="<executor>")
    @slice_option("-q", "--queues", help="Queues to select jobs from (default all).")
    @priority_class_options
    @slice_option("--pools", help="Pools to select jobs from (default all).")
    @pass_session
    def on_executor(
        session: Session,
        executor: str,
        queues: Sequence[str],
        priority_classes: Sequence[str],
        all_priority_classes: bool,
        pools: Sequence[str],
    ) -> None:
        classes = chosen_classes(priority_classes, all_priority_classes)
        what = (
            f"executor: {executor}, queues: {shown(queues)}, "
            f"priority-classes: {shown(classes)}, pools: {shown(pools)}"
        )
        body = {"name": executor, "priorityClasses": classes, "pools": list(pools)}
        failure = f"error {action.gerund} jobs on executor {executor}"
        _run(session, action, "executor", queues, what, body, failure)

    @group.command("node", help=f"{action.verb.capitalize()}s jobs on a node.")
    @click.argument("node", metavar="<node>")
    @click.option("-e", "--executor", required=True, help="Executor the node belongs to.")
    @slice_option("-q", "--queues", help="Queues to select jobs from (default all).")
    @priority_class_options
    @pass_session
    def on_node(
        session: Session,
        node: str,
        executor: str,
        queues: Sequence[str],
        priority_classes: Sequence[str],
        all_priority_classes: bool,
    ) -> None:
        classes = chosen_classes(priority_classes, all_priority_classes)
        what = (
            f"node: {node}, executor: {executor}, queues: {shown(queues)}, "
            f"priority-classes: {shown(classes)}"
        )
        body = {"name": node, "executor": executor, "priorityClasses": classes}
        _run(
            session,
            action,
            "node",
            queues,
            what,
            body,
            f"error {action.gerund} jobs on node {node}",
        )

"""cordon / uncordon queues and executors, delete executor (spec §9)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import click

from armada_cli.base import parent, slice_option
from armada_cli.bulk import alias, call_or_fail, selected_names
from armada_cli.errors import CliError
from armada_cli.fetch import request
from armada_cli.queues import Selection, check_names
from armada_cli.rpc import Api
from armada_cli.session import Session, pass_session


def _queues_command(group: click.Group, verb: str, method: str) -> None:
    """`cordon queues` or `uncordon queues` (`verb` is `cordon` / `uncordon`)."""
    doing = verb.capitalize() + "ing"

    @group.command("queues", help=f"{verb.capitalize()} queues selected by name or label.")
    @click.argument("names", nargs=-1, metavar="[queue...]")
    @slice_option("-l", "--match-labels", help="Select queues by label.")
    @click.option("--inverse", is_flag=True, help="Select the queues that do not match.")
    @click.option("--dry-run", is_flag=True, help="Print the queues; make no call.")
    @pass_session
    def command(
        session: Session,
        names: Sequence[str],
        match_labels: Sequence[str],
        inverse: bool,
        dry_run: bool,
    ) -> None:
        if names and match_labels:
            raise CliError(
                f"you can {verb} by either a set of queue names or a set of queue "
                "labels, but not both"
            )
        if not names and not match_labels:
            raise CliError(
                f"either queue names or match-labels must be set to determine queues to {verb}"
            )
        check_names(names)
        chosen = Selection(names, match_labels, inverse)

        async def act(api: Api) -> None:
            selected = await selected_names(api, chosen)
            click.echo(f"{doing} the following queues:" + (" (DRY RUN)" if dry_run else ""))
            for name in selected:
                if dry_run:
                    click.echo(name)
                    continue
                message = request(f"api.Queue{verb.capitalize()}Request", {"name": name})
                await call_or_fail(
                    partial(api.unary, method, message),
                    f"Could not {verb} queue {name}: error updating queue {name}",
                )
                click.echo(f"{name} {verb}ed")

        session.call(act)

    alias(group, command, "queue")


def _upsert(session: Session, name: str, cordoned: bool, reason: str, verb: str) -> None:
    message = request(
        "api.ExecutorSettingsUpsertRequest",
        {"name": name, "cordoned": cordoned, "cordonReason": reason},
    )
    session.call(
        lambda api: call_or_fail(
            lambda: api.unary("/api.Executor/UpsertExecutorSettings", message),
            f"error {verb}ing executor {name}",
            f"{verb} executor",
        )
    )
    click.echo(f"{name} {verb}ed")


def register(root: click.Group) -> None:
    cordon = parent(root, "cordon", "Pause scheduling on Armada resources.")
    uncordon = parent(root, "uncordon", "Resume scheduling on Armada resources.")
    _queues_command(cordon, "cordon", "/api.QueueService/CordonQueue")
    _queues_command(uncordon, "uncordon", "/api.QueueService/UncordonQueue")

    @cordon.command("executor")
    @click.argument("name", metavar="<executor>")
    @click.argument("reason", metavar="<reason>")
    @pass_session
    def cordon_executor(session: Session, name: str, reason: str) -> None:
        """Cordon an executor: no new jobs are scheduled on it."""
        if not name.strip():
            raise CliError(f"provided executor name is invalid: {name}")
        if not reason.strip():
            raise CliError(f"provided cordon reason is invalid: {reason}")
        click.echo("Cordoning the following executors:")
        _upsert(session, name, True, reason, "cordon")

    @uncordon.command("executor")
    @click.argument("name", metavar="<executor>")
    @pass_session
    def uncordon_executor(session: Session, name: str) -> None:
        """Uncordon an executor."""
        if not name.strip():
            raise CliError(f"provided executor name is invalid: {name}")
        click.echo("Uncordoning the following executors:")
        _upsert(session, name, False, "", "uncordon")


def register_delete_executor(delete: click.Group) -> None:
    @delete.command("executor")
    @click.argument("name", metavar="<executor>")
    @pass_session
    def delete_executor(session: Session, name: str) -> None:
        """Delete an executor from the scheduler's database."""
        if not name:
            raise CliError("executor name must be non-empty")
        message = request("api.ExecutorDeleteRequest", {"name": name})
        session.call(
            lambda api: call_or_fail(
                lambda: api.unary("/api.Executor/DeleteExecutor", message),
                f"error deleting executor {name}",
                "delete executor",
            )
        )
        click.echo(f"Deleted executor {name} (or it did not exist)")

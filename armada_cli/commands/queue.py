"""create/update/delete/get queue(s) (spec §5.1, §5.2)."""

from __future__ import annotations

from collections.abc import Sequence

import click
from click.decorators import FC
from grpclib.exceptions import GRPCError

from armada_cli import output
from armada_cli.base import GoFloat, slice_option
from armada_cli.errors import CliError, rpc_error_text
from armada_cli.fetch import all_queues, request
from armada_cli.queues import QueueFlags, Selection, check_names
from armada_cli.session import Session, pass_session

UPDATE_HELP = (
    "Update an existing queue from flags. This is a full replace: every attribute not "
    "given is reset (cordon off, labels, owners and retry policies cleared, priority factor 1)."
)


def queue_flags(command: FC) -> FC:
    """The flags `create queue` and `update queue` share."""
    options = [
        click.option(
            "--priority-factor",
            type=GoFloat(),
            default=1.0,
            show_default=True,
            help="Set queue priority factor - lower number makes queue more important, "
            "must be >= 1.",
        ),
        slice_option(
            "--owners", help="Comma separated list of queue owners, defaults to current user."
        ),
        slice_option("--group-owners", help="Comma separated list of queue group owners."),
        click.option(
            "--cordon",
            is_flag=True,
            default=False,
            help="Used to pause scheduling on specified queue. Defaults to false.",
        ),
        slice_option(
            "-l",
            "--labels",
            help="Comma separated list of key-value queue labels, "
            "for example: armadaproject.io/submitter=airflow.",
        ),
        slice_option("--retry-policies", help="Comma separated list of retry policy names."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _flags(name: str, options: dict[str, object]) -> QueueFlags:
    return QueueFlags(name=name, **options)  # type: ignore[arg-type]


def register(
    create: click.Group, update: click.Group, delete: click.Group, get: click.Group
) -> None:
    @create.command("queue")
    @click.argument("queue_name", metavar="<queue-name>")
    @queue_flags
    @pass_session
    def create_queue(session: Session, queue_name: str, **options: object) -> None:
        """Create new queue."""
        queue = request("api.Queue", _flags(queue_name, options).to_json())
        try:
            session.call(lambda api: api.unary("/api.Submit/CreateQueue", queue))
        except GRPCError as error:
            raise CliError(
                f"[armadactl.CreateQueue] error creating queue {queue_name}: "
                f"create queue request failed: {rpc_error_text(error)}"
            ) from None
        click.echo(f"Created queue {queue_name}")

    @update.command("queue", help=UPDATE_HELP)
    @click.argument("queue_name", metavar="<queue-name>")
    @queue_flags
    @pass_session
    def update_queue(session: Session, queue_name: str, **options: object) -> None:
        queue = request("api.Queue", _flags(queue_name, options).to_json())
        try:
            session.call(lambda api: api.unary("/api.Submit/UpdateQueue", queue))
        except GRPCError as error:
            raise CliError(
                f"error updating queue {queue_name}: failed to create queue with name "
                f"{queue_name}. {rpc_error_text(error)}"
            ) from None
        click.echo(f"Updated queue {queue_name}")

    @delete.command("queue")
    @click.argument("queue_name", metavar="<queue-name>")
    @pass_session
    def delete_queue(session: Session, queue_name: str) -> None:
        """Delete existing queue (it must hold no jobs)."""
        message = request("api.QueueDeleteRequest", {"name": queue_name})
        try:
            session.call(lambda api: api.unary("/api.Submit/DeleteQueue", message))
        except GRPCError as error:
            raise CliError(
                f"[armadactl.DeleteQueue] error deleting queue {queue_name}: "
                f"delete queue request failed: {rpc_error_text(error)}"
            ) from None
        click.echo(f"Deleted queue {queue_name} (or it did not exist)")

    @get.command("queue")
    @click.argument("queue_name", metavar="<queue-name>")
    @pass_session
    def get_queue(session: Session, queue_name: str) -> None:
        """Gets queue information."""
        message = request("api.QueueGetRequest", {"name": queue_name})
        try:
            queue = session.call(lambda api: api.unary("/api.Submit/GetQueue", message))
        except GRPCError as error:
            raise CliError(
                f"[armadactl.GetQueue] error getting queue {queue_name}: "
                f"get queue info request failed: {rpc_error_text(error)}"
            ) from None
        click.echo(output.header("Queue") + output.to_yaml(output.go_json(queue)), nl=False)

    @get.command("queues")
    @click.argument("names", nargs=-1, metavar="[queue...]")
    @slice_option("-l", "--match-labels", help="Select queues by label.")
    @click.option(
        "--inverse",
        is_flag=True,
        help="Select all queues which do not match the provided parameters.",
    )
    @click.option("--only-cordoned", is_flag=True, help="Only select cordoned queues.")
    @pass_session
    def get_queues(
        session: Session,
        names: Sequence[str],
        match_labels: Sequence[str],
        inverse: bool,
        only_cordoned: bool,
    ) -> None:
        """Gets information from multiple queues filtered by name or labels."""
        if names and match_labels:
            raise CliError(
                "you can select either with a set of queue names or a set of queue "
                "labels, but not both"
            )
        check_names(names)
        selection = Selection(names, match_labels, inverse, only_cordoned)
        queues = selection.select(session.call(all_queues))
        click.echo(output.header("Queue") + output.to_yaml(queues), nl=False)

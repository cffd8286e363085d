"""watch <queue> <job-set> [--raw] [--exit-if-inactive] (spec §10).

Replays the job set's events and follows new ones, printing a line per event. A broken
stream is re-opened from the last message id after 5 s. Unlike armadactl, a job set
that does not exist (NOT_FOUND) or may not be watched (PERMISSION_DENIED) is an error
(exit 1), not a quiet exit 0.
"""

from __future__ import annotations

import asyncio

import click
from grpclib.const import Status
from grpclib.exceptions import GRPCError

from armada_cli import watch as tracking
from armada_cli.errors import CliError, rpc_error_text
from armada_cli.fetch import request
from armada_cli.rpc import Api
from armada_cli.session import Session, pass_session

RETRY_DELAY = 5.0
FATAL = frozenset(
    {
        Status.NOT_FOUND,
        Status.PERMISSION_DENIED,
        Status.UNAUTHENTICATED,
        Status.INVALID_ARGUMENT,
        Status.UNIMPLEMENTED,
    }
)


class Watcher:
    """Prints the events of one job set until done (stream end or all jobs finished)."""

    def __init__(
        self, queue: str, job_set: str, raw: bool, exit_if_inactive: bool, kubectl: str
    ) -> None:
        self.queue, self.job_set = queue, job_set
        self.raw, self.exit_if_inactive, self.kubectl = raw, exit_if_inactive, kubectl
        self.states = tracking.JobStates()
        self.last_id = ""

    async def run(self, api: Api) -> None:
        while True:
            try:
                await self._follow(api)
                return  # all jobs finished, or the server ended the stream
            except GRPCError as error:
                if error.status in FATAL:
                    raise CliError(rpc_error_text(error)) from None
                if error.status is not Status.UNAVAILABLE:
                    click.echo(rpc_error_text(error), err=True)
            except OSError as error:
                click.echo(f"failed to connect to api because {error}", err=True)
            await asyncio.sleep(RETRY_DELAY)

    async def _follow(self, api: Api) -> bool:
        """Read the stream; True once every job is finished (with --exit-if-inactive)."""
        message = request(
            "api.JobSetRequest",
            {
                "id": self.job_set,
                "queue": self.queue,
                "watch": True,
                "errorIfMissing": True,
                "fromMessageId": self.last_id,
            },
        )
        async for item in api.stream("/api.Event/GetJobSetEvents", message):
            self.last_id = item.id
            if self._show(item.message) and self.exit_if_inactive and self.states.inactive():
                return True
        return False

    def _show(self, message: object) -> bool:
        kind, event = tracking.event_of(message)  # type: ignore[arg-type]
        if event is None:
            click.echo("unknown event type; skipped", err=True)
            return False
        self.states.apply(kind, event)
        if self.raw:
            click.echo(tracking.raw_line(kind, event))
        elif kind != "JobUtilisationEvent":
            click.echo(tracking.summary_line(self.states, kind, event))
            if kind == "JobFailedEvent":
                for line in tracking.failure_lines(self.states, event, self.kubectl):
                    click.echo(line)
        return True


def register(root: click.Group) -> None:
    @root.command("watch")
    @click.argument("queue", metavar="<queue>")
    @click.argument("job_set", metavar="<job-set>")
    @click.option("--raw", is_flag=True, help="Output raw events.")
    @click.option("--exit-if-inactive", is_flag=True, help="Exit if there are no more active jobs.")
    @click.option(
        "--force-new-events", is_flag=True, hidden=True, help="No effect (compatibility)."
    )
    @click.option(
        "--force-legacy-events", is_flag=True, hidden=True, help="No effect (compatibility)."
    )
    @pass_session
    def watch(
        session: Session,
        queue: str,
        job_set: str,
        raw: bool,
        exit_if_inactive: bool,
        force_new_events: bool,
        force_legacy_events: bool,
    ) -> None:
        """Watch job events."""
        if force_new_events and force_legacy_events:
            raise CliError("force-new-events and force-legacy-events are exclusive")
        kubectl = str(session.config().settings.get("kubectlcommandtemplate") or "")
        click.echo(f"Watching job set {job_set}")
        session.call(Watcher(queue, job_set, raw, exit_if_inactive, kubectl).run)

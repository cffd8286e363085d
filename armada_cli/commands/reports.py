"""get scheduling-report / queue-report / job-report (spec §11), against SchedulerReporting.

The report text is printed as the server wrote it (no newline added); a failure is the
raw gRPC error (`rpc error: code = ... desc = ...`), as armadactl prints it. Against a
server without the service they say "not supported by this server".
"""

from __future__ import annotations

from typing import Any

import click
from grpclib.exceptions import GRPCError

from armada_cli.errors import CliError, rpc_error_text, unsupported
from armada_cli.fetch import request
from armada_cli.rpc import Api
from armada_cli.session import Session, pass_session

SERVICE = "/schedulerobjects.SchedulerReporting/"
DEPRECATED = (
    "This flag is deprecated and will be removed in a future release. Please use `{}` instead."
)


def _report(session: Session, method: str, name: str, body: dict[str, object]) -> None:
    command = "get " + name.replace("Report", "-report").lower()
    message = request(f"schedulerobjects.{name}Request", body)

    async def ask(api: Api) -> Any:
        try:
            return await api.unary(SERVICE + method, message)
        except GRPCError as error:
            raise unsupported(error, command) or CliError(rpc_error_text(error)) from None

    click.echo(session.call(ask).report, nl=False)


def register(get: click.Group) -> None:
    @get.command("scheduling-report")
    @click.option("-v", "verbosity", count=True, help="Verbosity (repeat for more).")
    @click.option("--queue", default="", help="Deprecated: use queue-report.")
    @click.option("--job-id", default="", help="Deprecated: use job-report.")
    @pass_session
    def scheduling_report(session: Session, verbosity: int, queue: str, job_id: str) -> None:
        """Print the most recent scheduling report of each executor."""
        if queue and job_id:
            raise CliError(
                "if any flags in the group [queue job-id] are set none of the others "
                "can be; [job-id queue] were all set"
            )
        body: dict[str, object] = {"verbosity": verbosity}
        if queue:
            click.echo(DEPRECATED.format("queue-report"))
            body["mostRecentForQueue"] = {"queueName": queue}
        if job_id:
            click.echo(DEPRECATED.format("job-report"))
            body["mostRecentForJob"] = {"jobId": job_id}
        _report(session, "GetSchedulingReport", "SchedulingReport", body)

    @get.command("queue-report")
    @click.argument("queue", metavar="<queue>")
    @click.option("-v", "verbosity", count=True, help="Verbosity (repeat for more).")
    @pass_session
    def queue_report(session: Session, queue: str, verbosity: int) -> None:
        """Print the most recent scheduling report for a queue."""
        _report(
            session,
            "GetQueueReport",
            "QueueReport",
            {"queueName": queue.strip(), "verbosity": verbosity},
        )

    @get.command("job-report")
    @click.argument("job_id", metavar="<job-id>")
    @pass_session
    def job_report(session: Session, job_id: str) -> None:
        """Print the most recent scheduling report for a job."""
        _report(session, "GetJobReport", "JobReport", {"jobId": job_id.strip()})

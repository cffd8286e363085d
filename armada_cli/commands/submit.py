"""submit <file> [--dry-run] (spec §6.1)."""

from __future__ import annotations

import click
from grpclib.exceptions import GRPCError

from armada_cli import files, jobfile
from armada_cli.errors import CliError, rpc_error_text
from armada_cli.rpc import Api
from armada_cli.session import Session, pass_session


def register(root: click.Group) -> None:
    @root.command("submit")
    @click.argument("path", metavar="<file>")
    @click.option("--dry-run", is_flag=True, help="Validate the file; submit nothing.")
    @pass_session
    def submit(session: Session, path: str, dry_run: bool) -> None:
        """Submit jobs to armada from a job-set file (YAML or JSON).

        Items the server refuses are printed as `Error submitting job: ...`; the
        command still exits 0 for them, as armadactl does.
        """
        parsed = jobfile.parse(files.read(path))
        if dry_run:
            return
        session.call(lambda api: _send(api, parsed))


async def _send(api: Api, parsed: jobfile.JobFile) -> None:
    for request in parsed.requests():
        try:
            reply = await api.unary("/api.Submit/SubmitJobs", request)
        except GRPCError as error:
            click.echo("[Error]")
            raise CliError(
                f"error submitting request (queue {parsed.queue}, job set {parsed.job_set_id}, "
                f"{len(request.job_request_items)} jobs): {rpc_error_text(error)}"
            ) from None
        for item in reply.job_response_items:
            if item.error:
                click.echo(f"Error submitting job: {item.error}")
            else:
                click.echo(f"Submitted job with id {item.job_id} to job set {parsed.job_set_id}")

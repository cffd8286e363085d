"""reprioritize job / job-set (spec §8)."""

from __future__ import annotations

from collections.abc import Mapping

import click

from armada_cli.base import parent
from armada_cli.bulk import job_arguments, unary_or_fail
from armada_cli.errors import CliError
from armada_cli.fetch import request
from armada_cli.session import Session, pass_session


def parse_priority(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise CliError(
            f'error converting {text} to float64: strconv.ParseFloat: parsing "{text}": '
            "invalid syntax"
        ) from None


def report(results: Mapping[str, str]) -> None:
    """Print the per-job outcome; fail if any job (or every job) was not reprioritized."""
    if not results:
        raise CliError("no jobs were reprioritized")
    done = [job for job, error in results.items() if not error]
    failed = {job: error for job, error in results.items() if error}
    if done:
        click.echo("Reprioritized jobs with ID:")
        for job in done:
            click.echo(job)
    if failed:
        click.echo("\nFailed to reprioritize:")
        for job, error in failed.items():
            click.echo(f"{job} failed with error {error}")
        raise CliError("error reprioritizing some jobs")


def _reprioritize(session: Session, body: dict[str, object], failure: str) -> None:
    message = request("api.JobReprioritizeRequest", body)
    reply = unary_or_fail(session, "/api.Submit/ReprioritizeJobs", message, failure)
    report(dict(reply.reprioritization_results))


def register(root: click.Group) -> None:
    reprioritize = parent(root, "reprioritize", "Reprioritize jobs in Armada.")

    @reprioritize.command("job")
    @job_arguments()
    @click.argument("priority", metavar="<priority>")
    @pass_session
    def job(session: Session, queue: str, job_set: str, job_id: str, priority: str) -> None:
        """Change the priority of a single job."""
        body = {
            "queue": queue,
            "jobSetId": job_set,
            "jobIds": [job_id],
            "newPriority": parse_priority(priority),
        }
        _reprioritize(session, body, f"error reprioritising jobs matching job ID: {job_id}\n")

    @reprioritize.command("job-set")
    @job_arguments(job_id=False)
    @click.argument("priority", metavar="<priority>")
    @pass_session
    def job_set(session: Session, queue: str, job_set: str, priority: str) -> None:
        """Change the priority of all jobs in a job set."""
        body = {"queue": queue, "jobSetId": job_set, "newPriority": parse_priority(priority)}
        _reprioritize(
            session,
            body,
            f"error reprioritising jobs matching queue: {queue}, job set: {job_set}\n",
        )

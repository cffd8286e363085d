"""cancel job / job-set / queues / executor / node (spec §6.2)."""

from __future__ import annotations

from collections.abc import Sequence

import click

from armada_cli.base import parent, slice_option
from armada_cli.bulk import (
    alias,
    chosen_classes,
    job_arguments,
    on_selected_queues,
    queues_variant,
    selection,
    shown,
    unary_or_fail,
)
from armada_cli.commands import targets
from armada_cli.errors import CliError
from armada_cli.fetch import request
from armada_cli.session import Session, pass_session

JOB_STATES = {"queued": "QUEUED", "leased": "LEASED", "pending": "PENDING", "running": "RUNNING"}


def parse_job_states(values: Sequence[str]) -> list[str]:
    for value in values:
        if value not in JOB_STATES:
            raise CliError(
                f"error determining active job state corresponding to {value}: must be one of "
                '"queued", "leased", "pending", "running"'
            )
    return [JOB_STATES[v] for v in values]


def register(root: click.Group) -> None:
    cancel = parent(root, "cancel", "Cancels jobs in armada.")

    @cancel.command("job")
    @job_arguments()
    @pass_session
    def cancel_job(session: Session, queue: str, job_set: str, job_id: str) -> None:
        """Cancels a job."""
        click.echo(
            f"Requesting cancellation of jobs matching queue: {queue}, job set: "
            f"{job_set}, and job ID: {job_id}"
        )
        message = request(
            "api.JobCancelRequest", {"jobId": job_id, "jobSetId": job_set, "queue": queue}
        )
        failure = (
            f"error cancelling jobs matching queue: {queue}, job set: {job_set}, "
            f"and job id: {job_id}"
        )
        result = unary_or_fail(session, "/api.Submit/CancelJobs", message, failure)
        click.echo(f"Requested cancellation for jobs {', '.join(result.cancelled_ids)}")

    @cancel.command("job-set")
    @job_arguments(job_id=False)
    @pass_session
    def cancel_job_set(session: Session, queue: str, job_set: str) -> None:
        """Cancels all jobs of a job set."""
        click.echo(
            f"Requesting cancellation of job set matching queue: {queue}, job set: {job_set}"
        )
        message = request("api.JobSetCancelRequest", {"jobSetId": job_set, "queue": queue})
        failure = f"error cancelling job set matching queue: {queue}, job set: {job_set}"
        unary_or_fail(session, "/api.Submit/CancelJobSet", message, failure)
        click.echo(f"Requested cancellation for job set {job_set}")

    @cancel.command("queues")
    @queues_variant("Pools to cancel jobs on (default all).")
    @slice_option(
        "-s",
        "--job-states",
        help="Job states to cancel: queued, leased, pending, running (required).",
    )
    @pass_session
    def cancel_queues(
        session: Session,
        names: Sequence[str],
        job_states: Sequence[str],
        priority_classes: Sequence[str],
        all_priority_classes: bool,
        pools: Sequence[str],
        selector: Sequence[str],
        inverse: bool,
        only_cordoned: bool,
        dry_run: bool,
    ) -> None:
        """Cancels jobs on the queues selected by name or label."""
        chosen = selection(names, selector, inverse, only_cordoned)
        if not job_states:
            raise click.UsageError(
                'required flag(s) "job-states" not set', click.get_current_context()
            )
        states = parse_job_states(job_states)
        classes = chosen_classes(priority_classes, all_priority_classes)
        on_selected_queues(
            session,
            chosen,
            dry_run=dry_run,
            line=lambda name: (
                f"Requesting cancellation of jobs matching queue: {name}, priorityClasses: "
                f"{shown(classes)}, jobStates: {shown(job_states)}, pools: {shown(pools)}"
            ),
            method="/api.QueueService/CancelOnQueue",
            message=lambda name: (
                "api.QueueCancelRequest",
                {"name": name, "priorityClasses": classes, "jobStates": states, "pools": pools},
            ),
            failure="error cancelling jobs on queue {name}",
        )

    alias(cancel, cancel_queues, "queue")
    targets.register(cancel, targets.CANCEL)

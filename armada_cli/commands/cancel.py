"""cancel job / job-set / queues / executor / node (spec §6.2)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import click

from armada_cli.base import parent, slice_option
from armada_cli.bulk import (
    alias,
    call_or_fail,
    chosen_classes,
    priority_class_options,
    queue_selection_options,
    selected_names,
    selection,
    shown,
)
from armada_cli.commands import targets
from armada_cli.errors import CliError
from armada_cli.fetch import request
from armada_cli.rpc import Api
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
    @click.argument("queue", metavar="<queue>")
    @click.argument("job_set", metavar="<job-set>")
    @click.argument("job_id", metavar="<job-id>")
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
        result = session.call(
            lambda api: call_or_fail(lambda: api.unary("/api.Submit/CancelJobs", message), failure)
        )
        click.echo(f"Requested cancellation for jobs {', '.join(result.cancelled_ids)}")

    @cancel.command("job-set")
    @click.argument("queue", metavar="<queue>")
    @click.argument("job_set", metavar="<job-set>")
    @pass_session
    def cancel_job_set(session: Session, queue: str, job_set: str) -> None:
        """Cancels all jobs of a job set."""
        click.echo(
            f"Requesting cancellation of job set matching queue: {queue}, job set: {job_set}"
        )
        message = request("api.JobSetCancelRequest", {"jobSetId": job_set, "queue": queue})
        failure = f"error cancelling job set matching queue: {queue}, job set: {job_set}"
        session.call(
            lambda api: call_or_fail(
                lambda: api.unary("/api.Submit/CancelJobSet", message), failure
            )
        )
        click.echo(f"Requested cancellation for job set {job_set}")

    @cancel.command("queues")
    @click.argument("names", nargs=-1, metavar="[queue...]")
    @slice_option(
        "-s",
        "--job-states",
        help="Job states to cancel: queued, leased, pending, running (required).",
    )
    @priority_class_options
    @slice_option("--pools", help="Pools to cancel jobs on (default all).")
    @queue_selection_options
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

        async def act(api: Api) -> None:
            for name in await selected_names(api, chosen):
                click.echo(
                    f"Requesting cancellation of jobs matching queue: {name}, priorityClasses: "
                    f"{shown(classes)}, jobStates: {shown(job_states)}, pools: {shown(pools)}"
                )
                if dry_run:
                    continue
                message = request(
                    "api.QueueCancelRequest",
                    {
                        "name": name,
                        "priorityClasses": classes,
                        "jobStates": states,
                        "pools": list(pools),
                    },
                )
                await call_or_fail(
                    partial(api.unary, "/api.QueueService/CancelOnQueue", message),
                    f"error cancelling jobs on queue {name}",
                )

        session.call(act)

    alias(cancel, cancel_queues, "queue")
    targets.register(cancel, targets.CANCEL)

"""preempt job / queues / executor / node (spec §7)."""

from __future__ import annotations

from collections.abc import Sequence

import click

from armada_cli.base import parent
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
from armada_cli.fetch import request
from armada_cli.session import Session, pass_session


def register(root: click.Group) -> None:
    preempt = parent(root, "preempt", "Preempt jobs in armada.")

    @preempt.command("job")
    @job_arguments()
    @click.argument("reason", metavar="<preempt-reason>")
    @pass_session
    def preempt_job(session: Session, queue: str, job_set: str, job_id: str, reason: str) -> None:
        """Preempts a job."""
        click.echo(
            f"Requesting preemption of job matching queue: {queue}, job set: {job_set}, "
            f"and job Id: {job_id}"
        )
        message = request(
            "api.JobPreemptRequest",
            {"queue": queue, "jobSetId": job_set, "jobIds": [job_id], "reason": reason},
        )
        failure = (
            f"error preempting job matching queue: {queue}, job set: {job_set}, "
            f"and job id: {job_id}"
        )
        unary_or_fail(session, "/api.Submit/PreemptJobs", message, failure)
        click.echo(f"Requested preemption for job {job_id}")

    @preempt.command("queues")
    @queues_variant("Pools to preempt jobs on (default all).")
    @pass_session
    def preempt_queues(
        session: Session,
        names: Sequence[str],
        priority_classes: Sequence[str],
        all_priority_classes: bool,
        pools: Sequence[str],
        selector: Sequence[str],
        inverse: bool,
        only_cordoned: bool,
        dry_run: bool,
    ) -> None:
        """Preempts jobs on the queues selected by name or label."""
        chosen = selection(names, selector, inverse, only_cordoned)
        classes = chosen_classes(priority_classes, all_priority_classes)
        on_selected_queues(
            session,
            chosen,
            dry_run=dry_run,
            line=lambda name: (
                f"Requesting preemption of jobs matching queue: {name}, priorityClasses: "
                f"{shown(classes)}, pools: {shown(pools)}"
            ),
            method="/api.QueueService/PreemptOnQueue",
            message=lambda name: (
                "api.QueuePreemptRequest",
                {"name": name, "priorityClasses": classes, "pools": pools},
            ),
            failure="error preempting jobs on queue {name}",
        )

    alias(preempt, preempt_queues, "queue")
    targets.register(preempt, targets.PREEMPT)

"""preempt job / queues / executor / node (spec §7)."""

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
from armada_cli.fetch import request
from armada_cli.rpc import Api
from armada_cli.session import Session, pass_session


def register(root: click.Group) -> None:
    preempt = parent(root, "preempt", "Preempt jobs in armada.")

    @preempt.command("job")
    @click.argument("queue", metavar="<queue>")
    @click.argument("job_set", metavar="<job-set>")
    @click.argument("job_id", metavar="<job-id>")
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
        session.call(
            lambda api: call_or_fail(lambda: api.unary("/api.Submit/PreemptJobs", message), failure)
        )
        click.echo(f"Requested preemption for job {job_id}")

    @preempt.command("queues")
    @click.argument("names", nargs=-1, metavar="[queue...]")
    @priority_class_options
    @slice_option("--pools", help="Pools to preempt jobs on (default all).")
    @queue_selection_options
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

        async def act(api: Api) -> None:
            for name in await selected_names(api, chosen):
                click.echo(
                    f"Requesting preemption of jobs matching queue: {name}, priorityClasses: "
                    f"{shown(classes)}, pools: {shown(pools)}"
                )
                if dry_run:
                    continue
                message = request(
                    "api.QueuePreemptRequest",
                    {"name": name, "priorityClasses": classes, "pools": list(pools)},
                )
                await call_or_fail(
                    partial(api.unary, "/api.QueueService/PreemptOnQueue", message),
                    f"error preempting jobs on queue {name}",
                )

        session.call(act)

    alias(preempt, preempt_queues, "queue")
    targets.register(preempt, targets.PREEMPT)

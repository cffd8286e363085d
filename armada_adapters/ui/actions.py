"""Actions: a confirmation page (GET), then the action itself (POST, CSRF-checked).

Every action is a call of the same `ArmadaService` use case the API calls, with the
caller's principal, so permissions and refusals are the API's. Selected jobs are
looked up and sent in one command per (queue, job set), as the API takes them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import Response

from armada_adapters.ui.pages import service_of
from armada_adapters.ui.render import principal, render
from armada_adapters.ui.security import CsrfRefused, checked_form
from armada_adapters.wire.errors import bounded_message, code_for, http_status
from armada_core.browse import MAX_PAGE_JOBS
from armada_core.commands import CancelJobs, CancelJobSet, PreemptJobs, ReprioritizeJobs
from armada_core.errors import ArmadaError, InvalidArgument
from armada_core.principal import Principal
from armada_core.service import ArmadaService

# Query parameters (confirmation page) or the posted form.
Params = ImmutableMultiDict[str, Any]


@dataclass(frozen=True, slots=True)
class Target:
    """What an action applies to: jobs of one job set (none: the whole set), or a queue."""

    queue: str
    job_set_id: str = ""
    job_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Outcome:
    target: Target
    error: str = ""
    status: int = 200


Perform = Callable[[ArmadaService, Principal, Target, Params], Awaitable[None]]


async def _cancel(service: ArmadaService, who: Principal, t: Target, form: Params) -> None:
    reason = str(form.get("reason", ""))
    if t.job_ids:
        await service.cancel_jobs(who, CancelJobs(t.queue, t.job_set_id, t.job_ids, reason))
    else:
        await service.cancel_job_set(who, CancelJobSet(t.queue, t.job_set_id, reason=reason))


async def _reprioritize(service: ArmadaService, who: Principal, t: Target, form: Params) -> None:
    try:
        priority = float(str(form.get("priority", "")))
    except ValueError:
        raise InvalidArgument("the new priority must be a number") from None
    command = ReprioritizeJobs(t.queue, t.job_set_id, priority, t.job_ids)
    errors = [e for e in (await service.reprioritize_jobs(who, command)).values() if e]
    if errors:
        raise InvalidArgument(errors[0])


async def _preempt(service: ArmadaService, who: Principal, t: Target, form: Params) -> None:
    command = PreemptJobs(t.queue, t.job_set_id, t.job_ids, str(form.get("reason", "")))
    errors = [e for e in (await service.preempt_jobs(who, command)).values() if e]
    if errors:
        raise InvalidArgument(errors[0])


async def _cordon(service: ArmadaService, who: Principal, t: Target, form: Params) -> None:
    await service.cordon_queue(who, t.queue)


async def _uncordon(service: ArmadaService, who: Principal, t: Target, form: Params) -> None:
    await service.uncordon_queue(who, t.queue)


@dataclass(frozen=True, slots=True)
class Action:
    title: str  # "Cancel" → "Cancel 3 jobs"
    perform: Perform
    input: str = ""  # "", "reason" or "priority"
    on_queue: bool = False  # applies to a queue, not to jobs
    whole_set: bool = True  # may apply to a whole job set


ACTIONS = {
    "cancel": Action("Cancel", _cancel, input="reason"),
    "reprioritize": Action("Reprioritize", _reprioritize, input="priority"),
    "preempt": Action("Preempt", _preempt, input="reason", whole_set=False),
    "cordon": Action("Cordon", _cordon, on_queue=True),
    "uncordon": Action("Uncordon", _uncordon, on_queue=True),
}


async def confirm(request: Request) -> Response:
    """The confirmation page: what will be done, and the form that does it."""
    action = ACTIONS.get(request.path_params["action"])
    if action is None:
        return render(request, "error.html", status=404, message="no such action")
    try:
        targets = await _targets(request, action, request.query_params)
    except ArmadaError as exc:
        return _error(request, exc)
    return render(
        request, "confirm.html", action=action, name=request.path_params["action"], targets=targets
    )


async def perform(request: Request) -> Response:
    """The action, after the CSRF check; one outcome per target."""
    action = ACTIONS.get(request.path_params["action"])
    if action is None:
        return render(request, "error.html", status=404, message="no such action")
    try:
        form = await checked_form(request)
    except CsrfRefused as exc:
        return render(request, "error.html", status=403, message=str(exc))
    try:
        targets = await _targets(request, action, form)
    except ArmadaError as exc:
        return _error(request, exc)
    outcomes = [await _run(request, action, target, form) for target in targets]
    status = max((o.status for o in outcomes), default=200)
    return render(request, "done.html", status=status, action=action, outcomes=outcomes)


async def _run(request: Request, action: Action, target: Target, form: Params) -> Outcome:
    try:
        await action.perform(service_of(request), principal(request), target, form)
    except ArmadaError as exc:
        return Outcome(target, bounded_message(exc.message), http_status(code_for(exc)))
    return Outcome(target)


async def _targets(request: Request, action: Action, params: Params) -> list[Target]:
    """The queue, the job set, or the selected jobs grouped by (queue, job set)."""
    queue = str(params.get("queue", ""))
    job_set_id = str(params.get("job_set", ""))
    if action.on_queue:
        if not queue:
            raise InvalidArgument("no queue given")
        return [Target(queue)]
    ids = list(dict.fromkeys(_job_ids(params)))
    if not ids:
        if not (queue and job_set_id and action.whole_set):
            raise InvalidArgument("no jobs selected")
        return [Target(queue, job_set_id)]
    if len(ids) > MAX_PAGE_JOBS:
        raise InvalidArgument(f"at most {MAX_PAGE_JOBS} jobs at once")
    details = await service_of(request).job_details(
        principal(request), ids, expand_job_spec=False, expand_job_run=False
    )
    grouped: dict[tuple[str, str], list[str]] = {}
    for job_id in ids:
        if job_id in details:
            job = details[job_id].record.job
            grouped.setdefault((job.queue, job.job_set_id), []).append(job_id)
    if not grouped:
        raise InvalidArgument("none of the selected jobs exists")
    return [Target(q, s, tuple(j)) for (q, s), j in grouped.items()]


def _job_ids(params: Params) -> list[str]:
    return [v.strip() for v in params.getlist("job") if isinstance(v, str) and v.strip()]


def _error(request: Request, exc: ArmadaError) -> Response:
    status = http_status(code_for(exc))
    return render(request, "error.html", status=status, message=bounded_message(exc.message))

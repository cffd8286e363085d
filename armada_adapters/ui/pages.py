"""The read-only pages: queues, jobs (a page or groups), one job, one job set.

Each handler asks the core (`ArmadaService`) and renders; an htmx poll of the same
URL gets only the page's live part (see `render.is_poll`).
"""

from __future__ import annotations

from typing import Any

import yaml
from starlette.requests import Request
from starlette.responses import Response

from armada_adapters.ui.logs import log_panel, log_size
from armada_adapters.ui.query import (
    PAGE_SIZES,
    STATES,
    BadQuery,
    encode_position,
    filter_params,
    parse_filter,
    parse_view,
)
from armada_adapters.ui.render import is_poll, principal, render
from armada_core.browse import GroupField, JobFilter, JobOrder, JobQuery
from armada_core.jobs import Job
from armada_core.service import ArmadaService


def service_of(request: Request) -> ArmadaService:
    service: ArmadaService = request.app.state.service
    return service


async def overview(request: Request) -> Response:
    """Queues with their priority factor, cordon and jobs per state."""
    service, who = service_of(request), principal(request)
    queues = await service.get_queues(who)
    groups = {g.name: g for g in await service.group_jobs(who, JobFilter(), GroupField.QUEUE)}
    return render(request, "overview.html", queues=queues, groups=groups)


async def jobs(request: Request) -> Response:
    """The jobs table: filters, order, keyset pages or groups."""
    try:
        view = parse_view(request.query_params)
    except BadQuery as exc:
        return render(request, "jobs.html", status=400, **_form(request, error=str(exc)))
    service, who = service_of(request), principal(request)
    context = _form(request)
    if view.group is not None:
        groups = await service.group_jobs(who, view.query.filter, view.group)
        context.update(groups=groups, group=view.group)
    else:
        page = await service.browse_jobs(who, view.query)
        after = encode_position(page.next) if page.next else None
        context.update(page=page, next=after)
    return render(request, "jobs.html", **context)


def _form(request: Request, error: str | None = None) -> dict[str, Any]:
    """What the filter form shows back: the request's values and the choices."""
    params = request.query_params
    return {
        "error": error,
        "groups": None,
        "group": None,
        "page": None,
        "next": None,
        "params": params,
        "states": STATES,
        "orders": list(JobOrder),
        "group_fields": list(GroupField),
        "page_sizes": PAGE_SIZES,
        "filters": filter_params(params),
        "with_filter": lambda **changes: filter_params(params, **changes),
    }


async def job(request: Request) -> Response:
    """One job: details, failure, runs, logs, events and its spec as YAML.

    A poll gets the live part only (state, failure, runs, events), and nothing (204)
    when the job has no event after the last one the page shows (`since`). The log
    is read once per page load, as it costs a call to the cluster's Binoculars.
    """
    service, who, job_id = service_of(request), principal(request), request.path_params["job_id"]
    since = request.query_params.get("since")
    if is_poll(request) and since and not await service.job_changed(who, job_id, since):
        return Response(status_code=204)  # nothing new: htmx keeps the page as it is
    history = await service.job_history(who, job_id)
    job = history.record.job
    logs = None
    if not is_poll(request):
        kib = log_size(request.query_params.get("log_kib"))
        authorization = request.headers.get("authorization", "")
        sources = request.app.state.logs
        logs = await log_panel(sources, history.runs, job.id, job.namespace, kib, authorization)
    return render(
        request,
        "job.html",
        history=history,
        record=history.record,
        spec=spec_yaml(job),
        runs=history.runs,
        failure=history.failure,
        run_failures=history.run_failures,
        logs=logs,
        pending=await service.pending_reason(who, job.id),
    )


async def job_set(request: Request) -> Response:
    """One job set: its jobs per state and its newest jobs."""
    params = request.query_params
    try:
        filter = parse_filter(params)
    except BadQuery as exc:
        return render(request, "error.html", status=400, message=str(exc))
    if not filter.queue or not filter.job_set_id:
        return render(request, "error.html", status=400, message="queue and job_set are needed")
    filter = JobFilter(queue=filter.queue, job_set_id=filter.job_set_id)
    service, who = service_of(request), principal(request)
    groups = await service.group_jobs(who, filter, GroupField.STATE)
    page = await service.browse_jobs(who, JobQuery(filter))
    return render(request, "job_set.html", filter=filter, groups=groups, page=page)


def spec_yaml(job: Job) -> str:
    """The job as a submit file (`armadactl submit`), from what was stored."""
    item: dict[str, Any] = {
        "priority": job.priority,
        "namespace": job.namespace,
        "labels": dict(job.labels),
        "annotations": dict(job.annotations),
        "podSpecs": [job.pod_spec],
    }
    if job.client_id:
        item["clientId"] = job.client_id
    document = {"queue": job.queue, "jobSetId": job.job_set_id, "jobs": [item]}
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)

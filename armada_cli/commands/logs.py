"""logs <job-id>: a job's pod log through Binoculars (an addition; armadactl has none).

Binoculars runs next to each executor cluster and serves `binoculars.Binoculars/Logs`
(one unary call: the log lines the kubelet returns for pod `armada-<job>-<n>`). Its
address is `--binocularsUrl` or the context's `binocularsUrl` (`host:port`, same TLS
rule and credentials as `armadaUrl`); a `{CLUSTER_ID}` in it is replaced by the cluster
of the job's latest run. The pod's namespace is `--namespace`, else the job's, read
with `api.Jobs/GetJobDetails`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import click
from grpclib.const import Status
from grpclib.exceptions import GRPCError

from armada_cli.bulk import call_or_fail
from armada_cli.config import one_line
from armada_cli.errors import CliError, rpc_error_text
from armada_cli.fetch import request
from armada_cli.rpc import Api
from armada_cli.session import Session, pass_session
from armada_config.durations import parse_go_duration

LOGS = "/binoculars.Binoculars/Logs"
JOB_DETAILS = "/api.Jobs/GetJobDetails"
CLUSTER = "{CLUSTER_ID}"
NO_URL = (
    "no Binoculars URL: set binocularsUrl in the context (or at the top level of the "
    "config file), or pass --binocularsUrl"
)


@dataclass(frozen=True)
class Placement:
    """Where the job's pod lives: its namespace and the cluster of its latest run."""

    namespace: str
    cluster: str


def register(root: click.Group) -> None:
    @root.command("logs")
    @click.argument("job_id", metavar="<job-id>")
    @click.option(
        "--binocularsUrl", "binoculars_url", default=None, help="Binoculars gRPC host:port."
    )
    @click.option(
        "-n", "--namespace", default=None, help="The pod's namespace (default: the job's)."
    )
    @click.option(
        "--pod-number",
        default=0,
        type=click.IntRange(min=0),
        show_default=True,
        help="Pod of the job.",
    )
    @click.option("--container", default=None, help="Container (default: the pod's only one).")
    @click.option(
        "--since", default=None, help="Only lines newer than this Go duration (5s, 2m, 3h)."
    )
    @click.option("--since-time", default=None, help="Only lines after this RFC 3339 time.")
    @click.option("--tail", default=None, type=click.IntRange(min=0), help="Only the last N lines.")
    @click.option("--previous", is_flag=True, help="The previous (crashed) container's log.")
    @click.option("--timestamps", is_flag=True, help="Prefix each line with its timestamp.")
    @pass_session
    def logs(session: Session, job_id: str, binoculars_url: str | None, **flags: Any) -> None:
        """Print a job's log, read from the Binoculars of the job's cluster.

        Binoculars' address comes from --binocularsUrl or the context's binocularsUrl;
        a {CLUSTER_ID} in it becomes the cluster the job last ran on.
        """
        url = binoculars_url or session.connection().binoculars_url
        if not url:
            raise CliError(NO_URL)
        body = _log_request(job_id, flags)
        namespace = flags["namespace"]
        if namespace is None or CLUSTER in url:
            placement = session.call(lambda api: _placement(api, job_id))
            namespace = namespace if namespace is not None else placement.namespace
            url = _cluster_url(url, job_id, placement.cluster)
        body["podNamespace"] = namespace
        reply = session.call(
            lambda api: _logs(api, url, request("binoculars.LogRequest", body)), url=url
        )
        for line in reply.log:
            click.echo(f"{line.timestamp} {line.line}" if flags["timestamps"] else line.line)


def _log_request(job_id: str, flags: dict[str, Any]) -> dict[str, Any]:
    """The Go-JSON of a LogRequest (without the namespace) from the flags."""
    options: dict[str, Any] = {}
    if flags["since"] is not None and flags["since_time"] is not None:
        raise CliError("at most one of --since and --since-time may be given")
    if flags["since"] is not None:
        options["sinceSeconds"] = _seconds(flags["since"])
    if flags["tail"] is not None:
        options["tailLines"] = flags["tail"]
    if flags["container"]:
        options["container"] = flags["container"]
    if flags["previous"]:
        options["previous"] = True
    body: dict[str, Any] = {
        "jobId": job_id,
        "podNumber": flags["pod_number"],
        "logOptions": options,
    }
    if flags["since_time"] is not None:
        body["sinceTime"] = _checked_time(flags["since_time"])
    return body


def _seconds(text: str) -> int:
    """A Go duration as whole seconds, rounded up as kubectl does; at least 1."""
    try:
        value = parse_go_duration(text)
    except ValueError as error:
        raise CliError(f'invalid argument "{text}" for "--since" flag: {error}') from None
    if value.total_seconds() <= 0:
        raise CliError(f'invalid argument "{text}" for "--since" flag: must be positive')
    return max(1, math.ceil(value.total_seconds()))


def _checked_time(text: str) -> str:
    """The --since-time value, unchanged, once it reads as an RFC 3339 time."""
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise CliError(
            f'invalid argument "{text}" for "--since-time" flag: '
            "expected an RFC 3339 time such as 2024-08-21T13:13:07Z"
        ) from None
    return text


def _cluster_url(url: str, job_id: str, cluster: str) -> str:
    if CLUSTER not in url:
        return url
    if not cluster:
        raise CliError(f"job {job_id} has not run on any cluster yet: no Binoculars to ask")
    return url.replace(CLUSTER, cluster)


async def _placement(api: Api, job_id: str) -> Placement:
    query = request("api.JobDetailsRequest", {"jobIds": [job_id], "expandJobRun": True})
    reply = await call_or_fail(
        lambda: api.unary(JOB_DETAILS, query),
        f"error looking up job {job_id} (or pass --namespace)",
    )
    if job_id not in reply.job_details:
        raise CliError(f"job {job_id} not found")
    details = reply.job_details[job_id]
    runs = {run.run_id: run for run in details.job_runs}
    latest = runs.get(details.latest_run_id) or (details.job_runs[-1] if details.job_runs else None)
    return Placement(details.namespace, latest.cluster if latest is not None else "")


async def _logs(api: Api, url: str, log_request: Any) -> Any:
    try:
        return await api.unary(LOGS, log_request)
    except GRPCError as error:
        if error.status is Status.UNIMPLEMENTED:
            raise CliError(
                f"the server at {url} does not serve Binoculars logs ({rpc_error_text(error)})"
            ) from None
        raise CliError(f"error getting logs: {rpc_error_text(error)}") from None
    except OSError as error:
        raise CliError(
            f"failed to connect to Binoculars at {url} because {one_line(error)}"
        ) from None

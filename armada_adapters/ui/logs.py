"""A job's log for the job page: from the Binoculars of the cluster its latest run is on.

As in Lookout, logs are not stored by the server: each executor cluster serves them
(Binoculars' `Logs` call, `pkg/api/binoculars`). `LogSources` knows where:

- `readers`: clusters whose logs this process reads itself (the in-process local
  executor: the composition root hands over the same reader its Binoculars serves);
- `url_pattern`: Binoculars' gRPC `host:port` for any other cluster, `{CLUSTER_ID}`
  replaced by the run's cluster (the CLI's `binocularsUrl`; Lookout's
  `binocularsBaseUrlPattern`); plain gRPC, or TLS with an `https://` prefix. The
  user's `Authorization` header is passed on, as Lookout's browser does.

A page shows at most the last `kib` KiB (steps in `KIB_STEPS`, "load more" moves up
one); every call is bounded in time, and a failure is a message on the page.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import anyio
from grpclib.client import Channel
from grpclib.const import Cardinality, Status
from grpclib.exceptions import GRPCError, ProtocolError, StreamTerminatedError

from armada_adapters.wire.pool import message_class
from armada_config.addresses import host_port
from armada_core.runs import Run

KIB_STEPS = (64, 256, 1024)
LINES_PER_KIB = 16  # lines asked for per KiB shown: enough for lines of 64 bytes
MAX_LINES = 10_000  # what Binoculars answers at most
CALL_TIMEOUT_SECONDS = 5.0
CLUSTER = "{CLUSTER_ID}"
LOGS = "/binoculars.Binoculars/Logs"
_REQUEST: Any = message_class("binoculars.LogRequest")
_RESPONSE: Any = message_class("binoculars.LogResponse")

# A cluster's lines read in this process: (job id, tail lines) → (timestamp, line)
# pairs, None when the cluster has no logs of the job. Called in a worker thread.
LogReader = Callable[[str, int], "list[tuple[str, str]] | None"]


class LogsUnavailable(Exception):
    """The cluster's Binoculars could not be asked (a message for the page)."""


@dataclass(frozen=True, slots=True)
class LogTail:
    """The end of a job's log as the page shows it."""

    lines: list[tuple[str, str]]
    kib: int
    cut: bool  # older lines were left out: "load more" may show them
    source: str

    @property
    def more(self) -> int | None:
        """The next larger size to load, None at the largest or when nothing was cut."""
        larger = [k for k in KIB_STEPS if k > self.kib]
        return larger[0] if self.cut and larger else None


@dataclass(frozen=True, slots=True)
class LogSources:
    """Where the logs of each cluster's runs come from."""

    readers: Mapping[str, LogReader] = field(default_factory=dict)
    url_pattern: str = ""

    def serves(self, cluster: str) -> bool:
        return bool(cluster) and (cluster in self.readers or bool(self.url_pattern))

    async def tail(
        self, cluster: str, job_id: str, namespace: str, kib: int, authorization: str = ""
    ) -> LogTail | None:
        """The last `kib` KiB of the job's latest run's log; None when the cluster has none.

        Raises `LogsUnavailable` when the cluster's Binoculars fails or does not answer.
        """
        lines = min(MAX_LINES, kib * LINES_PER_KIB)
        reader = self.readers.get(cluster)
        if reader is not None:
            found = await anyio.to_thread.run_sync(reader, job_id, lines)
            source = f"the local executor ({cluster})"
        else:
            url = self.url_pattern.replace(CLUSTER, cluster)
            found = await _binoculars(url, job_id, namespace, lines, authorization)
            source = f"Binoculars at {url}"
        if found is None:
            return None
        kept, cut = within(found, kib * 1024)
        return LogTail(kept, kib, cut or len(found) >= lines, source)


def within(lines: list[tuple[str, str]], max_bytes: int) -> tuple[list[tuple[str, str]], bool]:
    """The last lines whose text fits in `max_bytes` (a longer last line is cut to its end),
    and whether anything was left out."""
    kept: list[tuple[str, str]] = []
    left = max_bytes
    for stamp, text in reversed(lines):
        size = len(text.encode("utf-8", "replace")) + 1
        if size > left:
            if not kept:  # one huge line: show its end rather than nothing
                end = text.encode("utf-8", "replace")[-max_bytes:].decode("utf-8", "ignore")
                kept.append((stamp, "…" + end))
            return kept[::-1], True
        kept.append((stamp, text))
        left -= size
    return kept[::-1], False


@dataclass(frozen=True, slots=True)
class LogPanel:
    """What the job page's Logs section shows: a tail, or why there is none."""

    tail: LogTail | None = None
    message: str = ""


async def log_panel(
    sources: LogSources, runs: Sequence[Run], job_id: str, namespace: str, kib: int,
    authorization: str = "",
) -> LogPanel:  # fmt: skip
    """The latest run's log, or a clear message why there is none."""
    if not runs:
        return LogPanel(message="No logs available: this job has not run.")
    cluster = runs[-1].executor
    if not sources.serves(cluster):
        return LogPanel(
            message=f"No logs available: no Binoculars is configured for cluster {cluster}."
        )
    try:
        tail = await sources.tail(cluster, job_id, namespace, kib, authorization)
    except LogsUnavailable as exc:
        return LogPanel(message=f"No logs available: {exc}")
    if tail is None:
        return LogPanel(message=f"No logs available: cluster {cluster} has none of this job.")
    if not tail.lines:
        return LogPanel(tail, message="The log is empty.")
    return LogPanel(tail)


def log_size(text: str | None) -> int:
    """The `log_kib` of a request: one of `KIB_STEPS`, the smallest when absent or other."""
    return int(text) if text in {str(k) for k in KIB_STEPS} else KIB_STEPS[0]


async def _binoculars(
    url: str, job_id: str, namespace: str, lines: int, authorization: str
) -> list[tuple[str, str]] | None:
    try:
        host, port = host_port(url, "ui.binocularsUrl")
    except ValueError as exc:
        raise LogsUnavailable(str(exc)) from None
    request = _REQUEST(job_id=job_id, pod_namespace=namespace)
    request.log_options.tailLines = lines
    metadata = {"authorization": authorization} if authorization else None
    tls = ssl.create_default_context() if url.startswith("https://") else None
    channel = Channel(host, port, ssl=tls)
    try:
        with anyio.fail_after(CALL_TIMEOUT_SECONDS):
            reply = await _call(channel, request, metadata)
    except GRPCError as exc:
        if exc.status is Status.NOT_FOUND:
            return None
        said = (exc.message or "")[:200]
        raise LogsUnavailable(f"Binoculars at {url}: {exc.status.name} {said}") from None
    except (OSError, TimeoutError, ProtocolError, StreamTerminatedError) as exc:
        kind = type(exc).__name__
        raise LogsUnavailable(f"Binoculars at {url} did not answer ({kind})") from None
    finally:
        channel.close()
    return [(line.timestamp, line.line) for line in reply.log]


async def _call(channel: Channel, request: Any, metadata: dict[str, str] | None) -> Any:
    async with channel.request(
        LOGS, Cardinality.UNARY_UNARY, _REQUEST, _RESPONSE, metadata=metadata
    ) as stream:
        await stream.send_message(request, end=True)
        return await stream.recv_message()

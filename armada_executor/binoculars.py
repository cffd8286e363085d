"""Armada's Binoculars `Logs` call, answered from this executor's log files.

`LogRequest.job_id` names the job (its latest run here); `log_options.container` one
container (default: every container of the pod, init containers first);
`log_options.tailLines` and `since_time` narrow the lines. Replies are bounded, so a
huge log never makes one big message.
"""

from __future__ import annotations

import asyncio
from typing import Any

import grpclib.const
from grpclib.const import Cardinality, Status
from grpclib.exceptions import GRPCError
from grpclib.server import Stream

from armada_executor.logs import LogLine, LogStore, container_logs, read_log
from armada_executor.messages import BINOCULARS_LOGS, LogRequest, LogResponse

MAX_LINES = 10_000


def log_lines(store: LogStore, job_id: str, container: str = "", since: str = "",
              tail: int | None = None) -> list[LogLine] | None:  # fmt: skip
    """The job's latest run's lines, None if this executor has no logs of it."""
    run_dir = store.latest_run(job_id)
    if run_dir is None:
        return None
    files = [run_dir / f"{container}.log"] if container else container_logs(run_dir)
    keep = min(tail, MAX_LINES) if tail else MAX_LINES
    # The last `keep` lines of the files together are within the last `keep` of each:
    # a log of many megabytes is streamed through, never held whole.
    lines = [line for path in files if path.is_file() for line in read_log(path, since, keep)]
    return lines[-keep:]


class BinocularsLogs:
    """A grpclib servable with the one `Logs` method."""

    def __init__(self, store: LogStore) -> None:
        self._store = store

    def __mapping__(self) -> dict[str, grpclib.const.Handler]:
        return {
            BINOCULARS_LOGS: grpclib.const.Handler(
                self._logs, Cardinality.UNARY_UNARY, LogRequest, LogResponse
            )
        }

    async def _logs(self, stream: Stream[Any, Any]) -> None:
        request = await stream.recv_message()
        assert request is not None
        reply = await answer(self._store, request)
        if reply is None:
            raise GRPCError(Status.NOT_FOUND, not_found(request))
        await stream.send_message(reply)


async def answer(store: LogStore, request: Any) -> Any:
    """The `LogResponse` to a `LogRequest` (files read off the event loop); None if
    this executor has no logs of the job."""
    options = request.log_options
    tail = options.tailLines if options.HasField("tailLines") else None
    lines = await asyncio.to_thread(
        log_lines, store, request.job_id, options.container, request.since_time, tail
    )
    if lines is None:
        return None
    reply = LogResponse()
    for line in lines:
        reply.log.add(timestamp=line.timestamp, line=line.line)
    return reply


def not_found(request: Any) -> str:
    return f"no logs of job {request.job_id[:100]} here"

"""The access log: one INFO line per request on the `armada.access` logger.

Text: `grpc /api.Submit/SubmitJobs OK 2.1 ms principal=alice [x-request-id: ...]`.
With `logging.format: json` the same fields are keys of the line's object
(`request_id`, `principal`, `protocol`, `method`, `status`, `duration_ms`).
Health checks are left out unless asked for. Executors' successful calls (a lease
call every second from each executor, reports) are DEBUG lines: at INFO they would
bury the users' requests; their failures stay INFO.
"""

from __future__ import annotations

import logging

from armada_adapters.observability.record import RequestRecord

logger = logging.getLogger("armada.access")

_EXECUTOR_API = "/executorapi.ExecutorApi/"


class AccessLog:
    """A `RequestObserver` writing one line per finished request."""

    def __init__(self, *, health_checks: bool = False) -> None:
        self._health_checks = health_checks

    def started(self, protocol: str, method: str, streaming: bool) -> None:
        return None

    def watch_opened(self, principal: str) -> None:
        return None

    def watch_closed(self, principal: str) -> None:
        return None

    def finished(self, record: RequestRecord) -> None:
        level = _level(record)
        if (record.health and not self._health_checks) or not logger.isEnabledFor(level):
            return
        method = f"{record.verb} {record.method}" if record.verb else record.method
        fields = {
            "protocol": record.protocol,
            "method": method,
            "status": record.status,
            "duration_ms": round(record.seconds * 1000, 3),
            "principal": record.principal,
        }
        logger.log(
            level,
            "%s %s %s %.1f ms principal=%s",
            record.protocol,
            method,
            record.status,
            record.seconds * 1000,
            record.principal or "-",
            extra={"request_id": record.request_id or "-", "fields": fields},
        )


def _level(record: RequestRecord) -> int:
    routine = record.status == "OK" and record.method.startswith(_EXECUTOR_API)
    return logging.DEBUG if routine else logging.INFO

"""The process's file descriptors: the open-file limit, its share per listener, and
`accept()` failing for want of them.

Linux starts services with a soft limit of 1024 open files under a hard limit that
is often far higher; each connection costs one. The limit is raised to the hard
one at start, and each listener's connection cap is kept below its share of it,
so connections alone never exhaust the process (SQLite files, PostgreSQL sockets
and the other listener need descriptors too).

When `accept()` fails anyway (EMFILE, ENFILE, ENOBUFS, ENOMEM), asyncio logs an
ERROR with a traceback and retries a second later, and before CPython's fix for
gh-151615 it does so up to `backlog` times per try (uvicorn's backlog is 2048),
each scheduling its own retry; retries still pending when the listener closes
fail with a traceback each. Tens of thousands of tracebacks a minute: those
reports become one warning line per interval with a count.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from armada_adapters.server.throttled_log import ThrottledWarning

try:
    import resource
except ImportError:  # pragma: no cover - not on Windows
    resource = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

# Descriptors kept aside from connections: storage, logs, the listeners, a margin.
RESERVED = 128
# Where the hard limit is "unlimited", ask for this much (Linux refuses more than
# fs.nr_open, 1,048,576 by default).
UNLIMITED_TARGET = 1 << 20
ACCEPT_FAILED = "socket.accept() out of system resource"


def raise_open_file_limit() -> int | None:
    """Raise the soft open-file limit to the hard one (logged once); the limit now,
    or None where the platform has none to read."""
    if resource is None:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = UNLIMITED_TARGET if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError) as exc:
            logger.warning("cannot raise the open-file limit from %d to %d: %s", soft, target, exc)
            return soft
        logger.info("open-file limit raised from %d to %d", soft, target)
        return target
    return None if soft == resource.RLIM_INFINITY else soft


def connection_cap(configured: int, open_files: int | None, listeners: int = 2) -> int:
    """`configured`, lowered (and logged) to fit each listener's share of `open_files`."""
    if open_files is None:
        return configured
    share = max(1, (open_files - RESERVED) // listeners)
    if configured > share:
        logger.warning(
            "connections.maxPerListener %d lowered to %d to fit the open-file limit of %d",
            configured,
            share,
            open_files,
        )
        return share
    return configured


def throttle_accept_errors(loop: asyncio.AbstractEventLoop) -> None:
    """Log `accept()` failures of every listener of `loop` as one line per interval."""
    warning = ThrottledWarning(logger, "accept() failed: out of file descriptors or memory")
    previous = loop.get_exception_handler()

    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if context.get("message") == ACCEPT_FAILED or _stale_retry(context):
            warning.note()
        elif previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handle)


def _stale_retry(context: dict[str, Any]) -> bool:
    """An accept retry asyncio scheduled after a failure, run after its listener closed."""
    callback = getattr(context.get("handle"), "_callback", None)
    stale = isinstance(context.get("exception"), ValueError)
    return stale and getattr(callback, "__name__", "") == "_start_serving"

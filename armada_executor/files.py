"""File-system work the event loop should not wait for, done in order on one thread.

Deleting a directory can take milliseconds on a busy disk; a run's directories, its
registry file and old logs are removed here. Registry writes go here too, in the order
they were asked for, so a run's file always holds its latest state.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

logger = logging.getLogger(__name__)


class FileWork:
    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="armada-executor-files")

    def submit(self, work: Callable[..., Any], *args: Any) -> None:
        """Run `work(*args)` after everything submitted before it; errors are logged."""
        self._thread.submit(self._logged, work, *args)

    def drain(self) -> None:
        """Wait for everything submitted so far (tests, shutdown)."""
        self._thread.submit(lambda: None).result()

    def close(self) -> None:
        self._thread.shutdown(wait=True)

    @staticmethod
    def _logged(work: Callable[..., Any], *args: Any) -> None:
        try:
            work(*args)
        except OSError:
            logger.exception("file work %s failed", getattr(work, "__name__", work))


class Immediate(FileWork):
    """Does the work at once, in the caller's thread (commands that exit right after)."""

    def __init__(self) -> None:
        pass

    def submit(self, work: Callable[..., Any], *args: Any) -> None:
        self._logged(work, *args)

    def drain(self) -> None:
        pass

    def close(self) -> None:
        pass

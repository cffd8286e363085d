"""Failure categories: the names the system gives failed runs, and the name rule.

A failed run carries a category and subcategory (Armada's `Error.failure_category` /
`failure_subcategory`, spec §2) for retry policies to match (`engine`). Executors name
them: Armada's with its operator-configured classifier (`application.errorCategories`,
which the bundled executor reads and applies in `armada_executor.categories`), the
bundled one also with its own table. The system's own are below.
"""

from __future__ import annotations

from armada_core.limits import utf8_length
from armada_core.retry.policy import MAX_NAME_BYTES

# Categories the system assigns itself; operators should not configure `internal`.
INTERNAL = "internal"
LEASE_EXPIRED = "lease-expired"
JOB_REJECTED = "job-rejected"
MAX_RUNS_EXCEEDED = "max-runs-exceeded"
STUCK_TERMINATING = "stuck-terminating"
EXTERNALLY_DELETED = "externally-deleted"
ISSUE_HANDLER_ERROR = "issue-handler-error"
ACTIVE_DEADLINE = "active-deadline"
JOB_CREATION_FAILED = "job-creation-failed"
POD_MISSING = "pod-missing"
PREEMPTED = "preempted"  # ours: Armada never categorises (nor retries) a preemption


def check_name(key: str, value: str) -> None:
    """ValueError naming `key` when a (sub)category name is longer than Lookout's
    columns hold (varchar(63)): a classifier that names one is refused at startup."""
    if utf8_length(value) > MAX_NAME_BYTES:
        raise ValueError(f"{key} must be at most {MAX_NAME_BYTES} characters")

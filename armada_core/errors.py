"""The core's error tree. It names what went wrong, never a transport code.

    ArmadaError
    ├── InvalidArgument        a request that breaks a rule (validation)
    ├── NotFound               a queue, job set or job that does not exist
    ├── AlreadyExists          reserved: creation of something that exists
    ├── FailedPrecondition     the request is valid but the state forbids it
    ├── Conflict               a concurrent change won; the use case may retry
    │   └── ClientIdsTaken     another write recorded these client ids first
    ├── PermissionDenied       the principal lacks a permission
    ├── Unauthenticated        no acceptable credentials (raised by auth backends)
    └── Unavailable            a dependency (database, identity provider) failed

Adapters own one table from these classes to status codes, resolved through the MRO.
"""

from __future__ import annotations


class ArmadaError(Exception):
    """Root of every error the core raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidArgument(ArmadaError):
    """The request breaks a validation rule."""


class NotFound(ArmadaError):
    """The named queue, job set or job does not exist."""


class AlreadyExists(ArmadaError):
    """The thing to create exists already."""


class FailedPrecondition(ArmadaError):
    """The request is well formed, but the current state forbids it."""


class Conflict(ArmadaError):
    """A concurrent write changed what this one relied on."""


class ClientIdsTaken(Conflict):
    """A write's client ids were recorded by another write first; nothing was written.

    `job_ids` maps each taken `(queue, client_id)` to the job id it belongs to, so
    the submit can answer those items with the earlier ids and write the rest.
    """

    def __init__(self, job_ids: dict[tuple[str, str], str]) -> None:
        super().__init__(f"{len(job_ids)} client ids were submitted concurrently")
        self.job_ids = job_ids


class PermissionDenied(ArmadaError):
    """The principal lacks the permission the use case checks."""


class Unauthenticated(ArmadaError):
    """No credentials were accepted.

    `headers` are challenge headers (for example `www-authenticate`) that the
    transport must send with the failure.
    """

    def __init__(self, message: str, headers: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.headers = headers


class Unavailable(ArmadaError):
    """A dependency the core relies on failed; the call may be retried."""

"""How a run ended, in the terms Armada's executor reports."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from armada_executor.messages import APP_ERROR


class Phase(Enum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    RETURNED = "returned"  # could not start for a transient reason: the lease goes back
    CANCELLED = "cancelled"  # stopped on the server's word: nothing to report


@dataclass(frozen=True, slots=True)
class ContainerFailure:
    """One container that did not end with 0 (a `ContainerError`)."""

    name: str
    exit_code: int
    reason: str  # Kubernetes' terminated reason: Error, OOMKilled, StartError, DeadlineExceeded
    message: str  # the last lines of its output
    kubernetes_reason: int = APP_ERROR


@dataclass(frozen=True, slots=True)
class Outcome:
    phase: Phase
    message: str = ""
    failures: tuple[ContainerFailure, ...] = ()
    kubernetes_reason: int = APP_ERROR
    attempted: bool = False  # RETURNED: whether any of the pod's processes had run
    category: str = ""  # FAILED: the failure category and subcategory (`categories`)
    subcategory: str = ""

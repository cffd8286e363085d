"""Authorization: global permissions from configuration and per-queue verbs.

A principal holds a global permission when one of its groups, OIDC scopes or
claim names is mapped to it; a permission nobody is mapped to is held by nobody.
A queue action is allowed by the global "any" permission OR by the matching verb
on the queue (Armada's code, not its docs).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from armada_core.echo import shown
from armada_core.errors import PermissionDenied
from armada_core.principal import EVERYONE, Principal


class Permission(StrEnum):
    """Global permissions, named as in Armada's configuration."""

    SUBMIT_ANY_JOBS = "submit_any_jobs"
    CANCEL_ANY_JOBS = "cancel_any_jobs"
    PREEMPT_ANY_JOBS = "preempt_any_jobs"
    REPRIORITIZE_ANY_JOBS = "reprioritize_any_jobs"
    WATCH_ALL_EVENTS = "watch_all_events"
    CREATE_QUEUE = "create_queue"
    DELETE_QUEUE = "delete_queue"
    CORDON_QUEUE = "cordon_queue"
    CORDON_NODES = "cordon_nodes"
    EXECUTE_JOBS = "execute_jobs"
    UPDATE_EXECUTOR_SETTINGS = "update_executor_settings"
    CREATE_RETRY_POLICY = "create_retry_policy"
    UPDATE_RETRY_POLICY = "update_retry_policy"
    DELETE_RETRY_POLICY = "delete_retry_policy"


class QueueVerb(StrEnum):
    """Verbs a queue's permission entries may grant."""

    SUBMIT = "submit"
    CANCEL = "cancel"
    PREEMPT = "preempt"
    REPRIORITIZE = "reprioritize"
    WATCH = "watch"


ALL_VERBS: tuple[str, ...] = tuple(v.value for v in QueueVerb)

# What the reference server grants to `everyone` when it runs with no auth config.
USER_FACING: tuple[Permission, ...] = (
    Permission.SUBMIT_ANY_JOBS,
    Permission.CANCEL_ANY_JOBS,
    Permission.PREEMPT_ANY_JOBS,
    Permission.REPRIORITIZE_ANY_JOBS,
    Permission.WATCH_ALL_EVENTS,
    Permission.CREATE_QUEUE,
    Permission.DELETE_QUEUE,
    Permission.CORDON_QUEUE,
    Permission.CREATE_RETRY_POLICY,
    Permission.UPDATE_RETRY_POLICY,
    Permission.DELETE_RETRY_POLICY,
    Permission.UPDATE_EXECUTOR_SETTINGS,  # Armada's local development config grants it
)

# What an open development server grants to everyone besides: executors may lease
# (Armada's local development config maps `execute_jobs` to `everyone`).
OPEN_SERVER: tuple[Permission, ...] = (*USER_FACING, Permission.EXECUTE_JOBS)

# The "any" permission that stands in for each queue verb.
GLOBAL_FOR_VERB: Mapping[QueueVerb, Permission] = {
    QueueVerb.SUBMIT: Permission.SUBMIT_ANY_JOBS,
    QueueVerb.CANCEL: Permission.CANCEL_ANY_JOBS,
    QueueVerb.PREEMPT: Permission.PREEMPT_ANY_JOBS,
    QueueVerb.REPRIORITIZE: Permission.REPRIORITIZE_ANY_JOBS,
    QueueVerb.WATCH: Permission.WATCH_ALL_EVENTS,
}


def _frozen(mapping: Mapping[str, Iterable[str]] | None) -> Mapping[str, frozenset[str]]:
    return {str(k): frozenset(v or ()) for k, v in (mapping or {}).items()}


@dataclass(frozen=True, slots=True)
class PermissionConfig:
    """Global permission mappings: permission name → groups / scopes / claim names."""

    groups: Mapping[str, frozenset[str]] = field(default_factory=dict)
    scopes: Mapping[str, frozenset[str]] = field(default_factory=dict)
    claims: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def from_mappings(
        cls,
        groups: Mapping[str, Iterable[str]] | None = None,
        scopes: Mapping[str, Iterable[str]] | None = None,
        claims: Mapping[str, Iterable[str]] | None = None,
    ) -> PermissionConfig:
        """Build from config-shaped mappings (lists become frozensets)."""
        return cls(_frozen(groups), _frozen(scopes), _frozen(claims))

    @classmethod
    def everyone_may(cls, permissions: Iterable[Permission] = USER_FACING) -> PermissionConfig:
        """Grant the given permissions to every caller (open development server)."""
        return cls(groups={p.value: frozenset({EVERYONE}) for p in permissions})

    def holds(self, principal: Principal, permission: Permission) -> bool:
        """Whether the principal holds a global permission."""
        key = permission.value
        return bool(
            principal.groups & self.groups.get(key, frozenset())
            or principal.scopes & self.scopes.get(key, frozenset())
            or principal.claims & self.claims.get(key, frozenset())
        )

    def require(self, principal: Principal, permission: Permission) -> None:
        """Raise PermissionDenied unless the principal holds the permission."""
        if not self.holds(principal, permission):
            raise PermissionDenied(
                f"user {shown(principal.name)} lacks permission {permission.value}"
            )

"""Queues: the stored record, how a request becomes one, and who may act on it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from armada_core.echo import shown
from armada_core.errors import InvalidArgument, PermissionDenied
from armada_core.limits import (
    MAX_PRIORITY_FACTOR,
    MAX_RESOURCE_FRACTION,
    MIN_PRIORITY_FACTOR,
    check_labels,
    check_name,
    check_names,
    check_number,
)
from armada_core.permissions import ALL_VERBS, GLOBAL_FOR_VERB, PermissionConfig, QueueVerb
from armada_core.principal import Principal

SUBJECT_KINDS = ("User", "Group")


@dataclass(frozen=True, slots=True)
class Subject:
    """Who a queue permission entry names: kind `User` or `Group`, and a name."""

    kind: str
    name: str


@dataclass(frozen=True, slots=True)
class QueuePermission:
    """One permission entry of a queue: these subjects may use these verbs."""

    subjects: tuple[Subject, ...] = ()
    verbs: tuple[str, ...] = ()

    def grants(self, principal: Principal, verb: str) -> bool:
        """Whether this entry gives the principal the verb."""
        if verb not in self.verbs:
            return False
        return any(_names(s, principal) for s in self.subjects)


def _names(subject: Subject, principal: Principal) -> bool:
    if subject.kind == "User":
        return subject.name == principal.name
    return subject.kind == "Group" and subject.name in principal.groups


@dataclass(frozen=True, slots=True)
class PoolResourceLimits:
    """Resource fractions a priority class may use in one pool."""

    maximum_resource_fraction: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PriorityClassResourceLimits:
    """Resource fractions a priority class may use, overall and per pool."""

    maximum_resource_fraction: Mapping[str, float] = field(default_factory=dict)
    maximum_resource_fraction_by_pool: Mapping[str, PoolResourceLimits] = field(
        default_factory=dict
    )


@dataclass(frozen=True, slots=True)
class Queue:
    """A stored queue. Owners are already folded into `permissions` (first entry)."""

    name: str
    priority_factor: float = 1.0
    permissions: tuple[QueuePermission, ...] = ()
    resource_limits_by_priority_class_name: Mapping[str, PriorityClassResourceLimits] = field(
        default_factory=dict
    )
    cordoned: bool = False
    labels: Mapping[str, str] = field(default_factory=dict)
    retry_policies: tuple[str, ...] = ()

    def allows(self, principal: Principal, verb: str) -> bool:
        """Whether some permission entry grants the principal the verb."""
        return any(p.grants(principal, verb) for p in self.permissions)


@dataclass(frozen=True, slots=True)
class QueueSpec:
    """A queue as a client writes it (create or update)."""

    name: str
    priority_factor: float = 0.0
    user_owners: tuple[str, ...] = ()
    group_owners: tuple[str, ...] = ()
    permissions: tuple[QueuePermission, ...] = ()
    resource_limits_by_priority_class_name: Mapping[str, PriorityClassResourceLimits] = field(
        default_factory=dict
    )
    cordoned: bool = False
    labels: Mapping[str, str] = field(default_factory=dict)
    retry_policies: tuple[str, ...] = ()


def build_queue(spec: QueueSpec, *, prefix: str) -> Queue:
    """Validate a spec and fold its owners into a leading permission entry.

    `prefix` starts every validation message (`error validating queue:` on create,
    `error:` on update, as Armada words them).
    """
    _validate(spec, prefix)
    return Queue(
        name=spec.name,
        priority_factor=spec.priority_factor,
        permissions=_owner_entry(spec) + spec.permissions,
        resource_limits_by_priority_class_name=dict(spec.resource_limits_by_priority_class_name),
        cordoned=spec.cordoned,
        labels=dict(spec.labels),
        # A name repeated keeps its first position (Armada drops later duplicates).
        retry_policies=tuple(dict.fromkeys(spec.retry_policies)),
    )


def _owner_entry(spec: QueueSpec) -> tuple[QueuePermission, ...]:
    subjects = tuple(Subject("User", u) for u in spec.user_owners) + tuple(
        Subject("Group", g) for g in spec.group_owners
    )
    return (QueuePermission(subjects, ALL_VERBS),) if subjects else ()


def _validate(spec: QueueSpec, prefix: str) -> None:
    try:
        _check(spec)
    except InvalidArgument as exc:
        raise InvalidArgument(f"{prefix} {exc.message}") from None


def _check(spec: QueueSpec) -> None:
    check_name("name", spec.name)
    check_number(
        "queue priority factor", spec.priority_factor, MIN_PRIORITY_FACTOR, MAX_PRIORITY_FACTOR
    )
    check_names("user_owners", spec.user_owners)
    check_names("group_owners", spec.group_owners)
    for entry in spec.permissions:
        _check_permission(entry)
    _check_limits(spec.resource_limits_by_priority_class_name)
    check_labels("labels", spec.labels)
    for key, value in spec.labels.items():
        if not key or not value:
            raise InvalidArgument("queue labels must have non-empty keys and values")
    check_names("retry_policies", spec.retry_policies)  # that they exist: storage checks


def _check_permission(entry: QueuePermission) -> None:
    check_names("permissions.verbs", entry.verbs)
    for subject in entry.subjects:
        if subject.kind not in SUBJECT_KINDS:
            raise InvalidArgument(
                f"invalid permission subject kind {shown(repr(subject.kind))}: "
                "must be User or Group"
            )
        check_name("permissions.subjects.name", subject.name)


def _check_limits(limits: Mapping[str, PriorityClassResourceLimits]) -> None:
    field = "resource_limits_by_priority_class_name"
    for name, limit in limits.items():
        check_name(field, name)
        _check_fractions(f"{field}.maximum_resource_fraction", limit.maximum_resource_fraction)
        for pool, pool_limits in limit.maximum_resource_fraction_by_pool.items():
            check_name(f"{field}.maximum_resource_fraction_by_pool", pool)
            _check_fractions(
                f"{field}.maximum_resource_fraction_by_pool.maximum_resource_fraction",
                pool_limits.maximum_resource_fraction,
            )


def _check_fractions(field: str, fractions: Mapping[str, float]) -> None:
    for resource, fraction in fractions.items():
        check_name(field, resource)
        check_number(field, fraction, 0, MAX_RESOURCE_FRACTION)


def authorize_queue_action(
    config: PermissionConfig, principal: Principal, queue: Queue, verb: QueueVerb
) -> None:
    """Allow when the principal holds the global "any" permission OR the queue verb."""
    permission = GLOBAL_FOR_VERB[verb]
    if config.holds(principal, permission) or queue.allows(principal, verb.value):
        return
    raise PermissionDenied(
        f"user {shown(principal.name)} lacks permission {permission.value} "
        f"and verb {verb.value} on queue {shown(queue.name)}"
    )

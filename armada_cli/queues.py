"""Queues as armadactl builds and selects them (spec §5.1, §5.4), without I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from armada_cli.errors import CliError

VERBS = ("submit", "cancel", "preempt", "reprioritize", "watch")
MIN_PRIORITY_FACTOR = 1.0


def labels_map(items: Sequence[str]) -> dict[str, str]:
    """`k=v` items as a map; `error converting queue labels to map` otherwise."""
    out = {}
    for item in items:
        parts = item.split("=")
        if len(parts) != 2:
            raise CliError(f"error converting queue labels to map: invalid label: {item}")
        out[parts[0]] = parts[1]
    return out


def check_priority_factor(value: float) -> None:
    if value < MIN_PRIORITY_FACTOR:
        raise CliError(
            "invalid queue data: failed to map priority factor. priority factor cannot be "
            f"lower than 1.0. Value: {value:f}"
        )


def check_labels(labels: Mapping[str, str]) -> None:
    for key, value in labels.items():
        if not key or not value:
            raise CliError(
                "invalid queue data: queue labels must not have an empty key or value, "
                f"key: {key}, value: {value}"
            )


def owner_permissions(owners: Sequence[str], groups: Sequence[str]) -> list[dict[str, Any]]:
    """One entry granting every verb to the owners (users first), or none."""
    subjects = [{"kind": "User", "name": n} for n in owners]
    subjects += [{"kind": "Group", "name": n} for n in groups]
    return [{"subjects": subjects, "verbs": list(VERBS)}] if subjects else []


@dataclass(frozen=True)
class QueueFlags:
    """What `create queue` / `update queue` were given."""

    name: str
    priority_factor: float
    owners: Sequence[str]
    group_owners: Sequence[str]
    cordon: bool
    labels: Sequence[str]
    retry_policies: Sequence[str]

    def to_json(self) -> dict[str, Any]:
        """The queue's Go-JSON, validated as armadactl validates it before any call."""
        labels = labels_map(self.labels)
        check_priority_factor(self.priority_factor)
        check_labels(labels)
        return {
            "name": self.name,
            "priorityFactor": self.priority_factor,
            "permissions": owner_permissions(self.owners, self.group_owners),
            "cordoned": self.cordon,
            "labels": labels,
            "retryPolicies": list(self.retry_policies),
        }


@dataclass(frozen=True)
class Selection:
    """Which queues a bulk command acts on: names or label selectors (spec §5.4)."""

    names: Sequence[str] = ()
    selectors: Sequence[str] = ()
    inverse: bool = False
    only_cordoned: bool = False

    def matches(self, queue: Mapping[str, Any]) -> bool:
        if self.names and queue.get("name") not in self.names:
            return False
        labels = queue.get("labels") or {}
        if not all(_selector_matches(item, labels) for item in self.selectors):
            return False
        return not self.only_cordoned or bool(queue.get("cordoned"))

    def select(self, queues: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """The matched queues, or with `inverse` the others; in the server's order."""
        return [q for q in queues if self.matches(q) != self.inverse]


def _selector_matches(item: str, labels: Mapping[str, str]) -> bool:
    key, sep, value = item.partition("=")
    if not sep:
        return key in labels
    # Go splits on every "=" and joins the parts after the first without them
    return labels.get(key) == value.replace("=", "")


def check_names(names: Sequence[str]) -> None:
    if any(not name for name in names):
        raise CliError("provided queue name invalid: cannot provide empty queue name")

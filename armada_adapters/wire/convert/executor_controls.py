"""api.Executor and api.Node requests → core values (every response is Empty)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from armada_adapters.wire.convert.common import flag, strings, text
from armada_core.commands import OnExecutor, OnNode


def executor_name(data: Mapping[str, Any]) -> str:
    """The `name` of every api.Executor request."""
    return text(data, "name")


def settings(data: Mapping[str, Any]) -> tuple[str, bool, str]:
    """`api.ExecutorSettingsUpsertRequest`: name, cordoned, cordon reason."""
    return text(data, "name"), flag(data, "cordoned"), text(data, "cordonReason")


def on_executor(data: Mapping[str, Any]) -> OnExecutor:
    """`api.ExecutorCancelRequest` and `api.ExecutorPreemptRequest` (same fields)."""
    return OnExecutor(
        name=text(data, "name"),
        queues=strings(data, "queues"),
        priority_classes=strings(data, "priorityClasses"),
        pools=strings(data, "pools"),
    )


def on_node(data: Mapping[str, Any]) -> OnNode:
    """`api.NodeCancelRequest` and `api.NodePreemptRequest` (same fields)."""
    return OnNode(
        name=text(data, "name"),
        executor=text(data, "executor"),
        queues=strings(data, "queues"),
        priority_classes=strings(data, "priorityClasses"),
    )

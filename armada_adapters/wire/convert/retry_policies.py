"""Retry policies: `api.RetryPolicy` and its requests ⇄ core values.

The codec writes a RetryAction by its short name (`Fail`, `Retry`); a number outside
the enum stays a number, for the core's validation to refuse (as over gRPC).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from armada_adapters.wire.convert.common import JsonDict, compact, flag, integer, number, text
from armada_core.retry.policy import (
    MemoryBump,
    RetryAction,
    RetryMutation,
    RetryPolicy,
    RetryRule,
)

_BY_NAME = {a.name.capitalize(): a.value for a in RetryAction}
_NAMES = {value: name for name, value in _BY_NAME.items()}

# ---- requests -----------------------------------------------------------------------


def retry_policy(data: Mapping[str, Any]) -> RetryPolicy:
    """`api.RetryPolicy` as a client writes it (Create, Update)."""
    return RetryPolicy(
        name=text(data, "name"),
        retry_limit=integer(data, "retryLimit"),
        default_action=_action(data.get("defaultAction")),
        rules=tuple(_rule(r) for r in data.get("rules") or ()),
    )


def policy_name(data: Mapping[str, Any]) -> str:
    """The `name` of RetryPolicyGetRequest and RetryPolicyDeleteRequest."""
    return text(data, "name")


def _action(value: Any) -> int:
    if isinstance(value, str):
        return _BY_NAME.get(value, 0)
    return int(value or 0)


def _rule(data: Mapping[str, Any]) -> RetryRule:
    mutate = data.get("mutate")
    return RetryRule(
        action=_action(data.get("action")),
        on_category=text(data, "onCategory"),
        on_subcategory=text(data, "onSubcategory"),
        mutate=None if mutate is None else _mutation(mutate),
    )


def _mutation(data: Mapping[str, Any]) -> RetryMutation:
    memory = (data.get("resources") or {}).get("memory")
    return RetryMutation(
        avoid_same_node=flag(data.get("affinity") or {}, "avoidSameNode"),
        memory=None
        if memory is None
        else MemoryBump(text(memory, "static"), number(memory, "factor")),
    )


# ---- responses ----------------------------------------------------------------------


def retry_policy_json(policy: RetryPolicy) -> JsonDict:
    """`api.RetryPolicy` as Get answers it."""
    return compact(
        name=policy.name,
        retryLimit=policy.retry_limit,
        defaultAction=_NAMES.get(policy.default_action, policy.default_action),
        rules=[_rule_json(r) for r in policy.rules],
    )


def retry_policy_list_json(policies: Iterable[RetryPolicy]) -> JsonDict:
    """`api.RetryPolicyList`."""
    return compact(retryPolicies=[retry_policy_json(p) for p in policies])


def _rule_json(rule: RetryRule) -> JsonDict:
    out = compact(
        action=_NAMES.get(rule.action, rule.action),
        onCategory=rule.on_category,
        onSubcategory=rule.on_subcategory,
    )
    if rule.mutate is not None:
        out["mutate"] = _mutation_json(rule.mutate)
    return out


def _mutation_json(mutate: RetryMutation) -> JsonDict:
    out: JsonDict = {}
    if mutate.avoid_same_node:
        out["affinity"] = {"avoidSameNode": True}
    if mutate.memory is not None:
        memory = compact(static=mutate.memory.static, factor=mutate.memory.factor)
        out["resources"] = {"memory": memory}
    return out

"""`application.errorCategories` as a config file writes it → `ClassifierConfig`.

For the composition root: a mapping with Armada's keys in, typed rules out; a value
of the wrong shape is a ValueError naming its key. `Classifier` then checks the rest.

    enabled: true
    defaultCategory: uncategorized
    categories:
      - name: oom
        rules: [{onConditions: [OOMKilled]}]
      - name: user_error
        action: Retain
        rules: [{onExitCodes: {operator: In, values: [1, 2, 126, 127]}, hint: "check args"}]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from armada_core.retry.categories import (
    Category,
    CategoryRule,
    ClassifierConfig,
    EventMatcher,
    ExitCodes,
)


def classifier_config(data: Mapping[str, Any] | None) -> ClassifierConfig:
    """The typed config of an `errorCategories` mapping (None: the default, off)."""
    data = _mapping("errorCategories", data or {})
    categories = _list("errorCategories.categories", data.get("categories"))
    return ClassifierConfig(
        enabled=bool(data.get("enabled", False)),
        default_category=_text("defaultCategory", data.get("defaultCategory")),
        default_subcategory=_text("defaultSubcategory", data.get("defaultSubcategory")),
        categories=tuple(_category(i, c) for i, c in enumerate(categories)),
    )


def _category(index: int, value: Any) -> Category:
    where = f"errorCategories.categories[{index}]"
    data = _mapping(where, value)
    rules = _list(f"{where}.rules", data.get("rules"))
    return Category(
        name=_text(f"{where}.name", data.get("name")),
        rules=tuple(_rule(f"{where}.rules[{i}]", r) for i, r in enumerate(rules)),
        action=_text(f"{where}.action", data.get("action")) or "Retain",
    )


def _rule(where: str, value: Any) -> CategoryRule:
    data = _mapping(where, value)
    codes = data.get("onExitCodes")
    events = data.get("onPodEvents")
    return CategoryRule(
        on_conditions=tuple(
            _text(f"{where}.onConditions", c) for c in _list(where, data.get("onConditions"))
        ),
        on_exit_codes=None if codes is None else _exit_codes(f"{where}.onExitCodes", codes),
        on_termination_message=_pattern(f"{where}.onTerminationMessage", data),
        on_pod_error=_pattern(f"{where}.onPodError", data),
        on_pod_events=None if events is None else _events(f"{where}.onPodEvents", events),
        subcategory=_text(f"{where}.subcategory", data.get("subcategory")),
        hint=_text(f"{where}.hint", data.get("hint")),
        container_name=_text(f"{where}.containerName", data.get("containerName")),
    )


def _exit_codes(where: str, value: Any) -> ExitCodes:
    data = _mapping(where, value)
    values = _list(f"{where}.values", data.get("values"))
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise ValueError(f"{where}.values must be a list of integers")
    return ExitCodes(_text(f"{where}.operator", data.get("operator")), tuple(values))


def _events(where: str, value: Any) -> EventMatcher:
    data = _mapping(where, value)
    return EventMatcher(
        regexp=_text(f"{where}.regexp", data.get("regexp")),
        type=_text(f"{where}.type", data.get("type")),
        reason=_text(f"{where}.reason", data.get("reason")),
    )


def _pattern(where: str, data: Mapping[str, Any]) -> str | None:
    key = where.rpartition(".")[2]
    value = data.get(key)
    if value is None:
        return None
    return _text(f"{where}.pattern", _mapping(where, value).get("pattern"))


def _mapping(where: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where} must be a mapping")
    return value


def _list(where: str, value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{where} must be a list")
    return value


def _text(where: str, value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{where} must be a string")
    return value

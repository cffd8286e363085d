"""The failure classifier: Armada's matchers, order, defaults and startup checks (§2),
its config read by the config policy as `application.errorCategories`."""

from __future__ import annotations

from typing import Any

import pytest

from armada_executor.categories import (
    Classification,
    Classifier,
    PodEvent,
    PodFailure,
)
from armada_executor.config import (
    Category,
    CategoryRule,
    ErrorCategories,
    EventMatcher,
    ExitCodes,
    RegexMatcher,
    parse_config,
)
from armada_executor.outcome import ContainerFailure

OOM_KILLED = ContainerFailure("main", 137, "OOMKilled", "")
EXIT_1 = ContainerFailure("main", 1, "Error", "panic: no input file")


def classifier_config(data: Any) -> ErrorCategories | None:
    """`data` read as the executor reads `application.errorCategories`."""
    return parse_config({"application": {"errorCategories": data}}).error_categories


def local_config(**overrides: object) -> ErrorCategories:
    """Armada's dev config: `oom` on OOMKilled, `user_error` on 1, 2, 126, 127."""
    data = {
        "enabled": True,
        "defaultCategory": "uncategorized",
        "categories": [
            {"name": "oom", "rules": [{"onConditions": ["OOMKilled"]}]},
            {
                "name": "user_error",
                "rules": [
                    {"onExitCodes": {"operator": "In", "values": [1, 2, 126, 127]}, "hint": "h"}
                ],
            },
        ],
        **overrides,
    }
    config = classifier_config(data)
    assert config is not None
    return config


def test_the_dev_config_classifies_oom_exit_codes_and_the_rest() -> None:
    classifier = Classifier(local_config())
    assert classifier.classify(PodFailure((OOM_KILLED,))) == Classification("oom")
    user = classifier.classify(PodFailure((EXIT_1,)))
    assert user == Classification("user_error", "", "h")
    assert user.annotate("failed") == "failed\n\nh"
    other = classifier.classify(PodFailure((ContainerFailure("main", 3, "Error", ""),)))
    assert other == Classification("uncategorized")


def test_disabled_classifies_nothing() -> None:
    classifier = Classifier(local_config(enabled=False))
    assert classifier.classify(PodFailure((OOM_KILLED,))) == Classification()


def test_first_matching_rule_wins_in_config_order() -> None:
    config = ErrorCategories(
        enabled=True,
        categories=(
            Category(
                "a", (CategoryRule(on_exit_codes=ExitCodes("NotIn", (0, 2)), subcategory="s"),)
            ),
            Category("b", (CategoryRule(on_exit_codes=ExitCodes("In", (1,))),)),
        ),
    )
    assert Classifier(config).classify(PodFailure((EXIT_1,))) == Classification("a", "s")
    assert (
        Classifier(config).classify(PodFailure((ContainerFailure("m", 2, "Error", ""),))).category
        == ""
    )


def test_exit_code_zero_and_other_containers_never_match() -> None:
    rule = CategoryRule(on_exit_codes=ExitCodes("NotIn", (1,)), container_name="sidecar")
    classifier = Classifier(ErrorCategories(True, categories=(Category("c", (rule,)),)))
    ok = ContainerFailure("sidecar", 0, "Completed", "")
    assert (
        classifier.classify(PodFailure((ok, ContainerFailure("main", 5, "Error", "")))).category
        == ""
    )
    assert (
        classifier.classify(PodFailure((ContainerFailure("sidecar", 5, "Error", ""),))).category
        == "c"
    )


@pytest.mark.parametrize(
    ("rule", "failure"),
    [
        (CategoryRule(on_conditions=("Evicted",)), PodFailure(pod_reason="Evicted")),
        (
            CategoryRule(on_conditions=("DeadlineExceeded",)),
            PodFailure(pod_reason="DeadlineExceeded"),
        ),
        (CategoryRule(on_termination_message=RegexMatcher("no input")), PodFailure((EXIT_1,))),
        (
            CategoryRule(on_pod_error=RegexMatcher("^Pod .* evicted")),
            PodFailure(message="Pod x was evicted"),
        ),
        (
            CategoryRule(on_pod_events=EventMatcher("disk", "Warning", "FailedMount")),
            PodFailure(events=(PodEvent("Warning", "FailedMount", "disk is full"),)),
        ),
    ],
)
def test_each_matcher(rule: CategoryRule, failure: PodFailure) -> None:
    classifier = Classifier(ErrorCategories(True, categories=(Category("c", (rule,)),)))
    assert classifier.classify(failure).category == "c"
    assert classifier.classify(PodFailure()).category == ""


def test_event_matcher_needs_type_and_reason() -> None:
    rule = CategoryRule(on_pod_events=EventMatcher("disk", "Warning", "FailedMount"))
    classifier = Classifier(ErrorCategories(True, categories=(Category("c", (rule,)),)))
    for event in (PodEvent("Normal", "FailedMount", "disk"), PodEvent("Warning", "Other", "disk")):
        assert classifier.classify(PodFailure(events=(event,))).category == ""


@pytest.mark.parametrize(
    ("categories", "problem"),
    [
        ([{"name": "", "rules": [{"onConditions": ["OOMKilled"]}]}], "needs a name"),
        ([{"name": "x" * 64, "rules": [{"onConditions": ["OOMKilled"]}]}], "at most 63"),
        ([{"name": "a", "rules": [{"onConditions": ["OOMKilled"]}]}] * 2, "defined twice"),
        ([{"name": "a", "rules": []}], "at least one rule"),
        ([{"name": "a", "action": "Keep", "rules": [{"onPodError": {"pattern": "x"}}]}], "Retain"),
        ([{"name": "a", "rules": [{}]}], "set exactly one of"),
        (
            [
                {
                    "name": "a",
                    "rules": [{"onConditions": ["OOMKilled"], "onPodError": {"pattern": "x"}}],
                }
            ],
            "set exactly one of",
        ),
        ([{"name": "a", "rules": [{"onConditions": ["Crashed"]}]}], "unknown condition"),
        (
            [{"name": "a", "rules": [{"onExitCodes": {"operator": "Is", "values": [1]}}]}],
            "In or NotIn",
        ),
        ([{"name": "a", "rules": [{"onExitCodes": {"operator": "In", "values": []}}]}], "empty"),
        ([{"name": "a", "rules": [{"onPodError": {"pattern": "("}}]}], "regular expression"),
        (
            [{"name": "a", "rules": [{"onPodEvents": {"regexp": "x", "type": "Error"}}]}],
            "Normal or Warning",
        ),
    ],
)
def test_startup_checks(categories: list[object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        classifier_config({"enabled": True, "categories": categories})


def test_config_shapes_are_checked() -> None:
    # The policy reads a quoted number as an integer, as everywhere in the config.
    with pytest.raises(ValueError, match=r"categories\[0\].rules\[0\].onExitCodes.values"):
        classifier_config(
            {"categories": [{"name": "a", "rules": [{"onExitCodes": {"values": ["one"]}}]}]}
        )
    with pytest.raises(ValueError, match=r"errorCategories.categories must be a list"):
        classifier_config({"categories": {"a": 1}})
    assert classifier_config(None) is None  # the executor's own categories
    assert classifier_config({}) == ErrorCategories()


def test_errors_name_the_key_path() -> None:
    where = "application.errorCategories.categories[0]"
    cases = [
        ([{"name": "a", "rules": [{}]}], f"{where}.rules[0]: set exactly one of"),
        (
            [{"name": "a", "action": "Keep", "rules": [{"onConditions": ["OOMKilled"]}]}],
            f"{where}.action must be Retain or Delete, not 'Keep'",
        ),
        (
            [{"name": "a", "rules": [{"onExitCodes": {"operator": "Is", "values": [1]}}]}],
            f"{where}.rules[0].onExitCodes.operator must be In or NotIn, not 'Is'",
        ),
        (
            [{"name": "a", "rules": [{"onPodError": {"pattern": "("}}]}],
            f"{where}.rules[0].onPodError.pattern is an invalid regular expression",
        ),
        (
            [{"name": "a", "rules": [{"onExitCode": {}}]}],
            f"unknown key {where}.rules[0].onExitCode; known keys: onConditions, onExitCodes",
        ),
    ]
    for categories, message in cases:
        with pytest.raises(ValueError) as caught:
            classifier_config({"categories": categories})
        assert str(caught.value).startswith(message)
    with pytest.raises(ValueError) as caught:
        classifier_config({"categories": [{"name": "a", "rules": [{"onPodError": {}}]}] * 2})
    assert str(caught.value) == "application.errorCategories: category 'a' is defined twice"


def test_keys_match_ignoring_case_and_an_empty_action_is_retain() -> None:
    config = classifier_config(
        {
            "Enabled": True,
            "CATEGORIES": [
                {"name": "oom", "Action": "", "rules": [{"onconditions": ["OOMKilled"]}]}
            ],
        }
    )
    assert config is not None and config.enabled
    assert config.categories[0] == Category("oom", (CategoryRule(on_conditions=("OOMKilled",)),))
    assert Classifier(config).classify(PodFailure((OOM_KILLED,))) == Classification("oom")

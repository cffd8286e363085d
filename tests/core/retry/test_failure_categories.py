"""The failure classifier: Armada's matchers, order, defaults and startup checks (§2)."""

from __future__ import annotations

import pytest

from armada_core.retry.categories import (
    Category,
    CategoryRule,
    Classification,
    Classifier,
    ClassifierConfig,
    ContainerFailure,
    EventMatcher,
    ExitCodes,
    PodEvent,
    PodFailure,
)
from armada_core.retry.categories_config import classifier_config

OOM_KILLED = ContainerFailure("main", 137, "OOMKilled")
EXIT_1 = ContainerFailure("main", 1, "Error", "panic: no input file")


def local_config(**overrides: object) -> ClassifierConfig:
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
    return classifier_config(data)


def test_the_dev_config_classifies_oom_exit_codes_and_the_rest() -> None:
    classifier = Classifier(local_config())
    assert classifier.classify(PodFailure((OOM_KILLED,))) == Classification("oom")
    user = classifier.classify(PodFailure((EXIT_1,)))
    assert user == Classification("user_error", "", "h")
    assert user.annotate("failed") == "failed\n\nh"
    other = classifier.classify(PodFailure((ContainerFailure("main", 3),)))
    assert other == Classification("uncategorized")


def test_disabled_classifies_nothing() -> None:
    classifier = Classifier(local_config(enabled=False))
    assert classifier.classify(PodFailure((OOM_KILLED,))) == Classification()


def test_first_matching_rule_wins_in_config_order() -> None:
    config = ClassifierConfig(
        enabled=True,
        categories=(
            Category(
                "a", (CategoryRule(on_exit_codes=ExitCodes("NotIn", (0, 2)), subcategory="s"),)
            ),
            Category("b", (CategoryRule(on_exit_codes=ExitCodes("In", (1,))),)),
        ),
    )
    assert Classifier(config).classify(PodFailure((EXIT_1,))) == Classification("a", "s")
    assert Classifier(config).classify(PodFailure((ContainerFailure("m", 2),))).category == ""


def test_exit_code_zero_and_other_containers_never_match() -> None:
    rule = CategoryRule(on_exit_codes=ExitCodes("NotIn", (1,)), container_name="sidecar")
    classifier = Classifier(ClassifierConfig(True, categories=(Category("c", (rule,)),)))
    ok = ContainerFailure("sidecar", 0)
    assert classifier.classify(PodFailure((ok, ContainerFailure("main", 5)))).category == ""
    assert classifier.classify(PodFailure((ContainerFailure("sidecar", 5),))).category == "c"


@pytest.mark.parametrize(
    ("rule", "failure"),
    [
        (CategoryRule(on_conditions=("Evicted",)), PodFailure(pod_reason="Evicted")),
        (
            CategoryRule(on_conditions=("DeadlineExceeded",)),
            PodFailure(pod_reason="DeadlineExceeded"),
        ),
        (CategoryRule(on_termination_message="no input"), PodFailure((EXIT_1,))),
        (CategoryRule(on_pod_error="^Pod .* evicted"), PodFailure(message="Pod x was evicted")),
        (
            CategoryRule(on_pod_events=EventMatcher("disk", "Warning", "FailedMount")),
            PodFailure(events=(PodEvent("Warning", "FailedMount", "disk is full"),)),
        ),
    ],
)
def test_each_matcher(rule: CategoryRule, failure: PodFailure) -> None:
    classifier = Classifier(ClassifierConfig(True, categories=(Category("c", (rule,)),)))
    assert classifier.classify(failure).category == "c"
    assert classifier.classify(PodFailure()).category == ""


def test_event_matcher_needs_type_and_reason() -> None:
    rule = CategoryRule(on_pod_events=EventMatcher("disk", "Warning", "FailedMount"))
    classifier = Classifier(ClassifierConfig(True, categories=(Category("c", (rule,)),)))
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
        Classifier(classifier_config({"enabled": True, "categories": categories}))


def test_config_shapes_are_checked() -> None:
    with pytest.raises(ValueError, match=r"categories\[0\].rules\[0\].onExitCodes.values"):
        classifier_config(
            {"categories": [{"name": "a", "rules": [{"onExitCodes": {"values": ["1"]}}]}]}
        )
    with pytest.raises(ValueError, match=r"errorCategories.categories must be a list"):
        classifier_config({"categories": {"a": 1}})
    assert classifier_config(None) == ClassifierConfig()

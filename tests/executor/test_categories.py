"""The local executor's failure categories: its own, or Armada's configured classifier,
sent in the `Error` of the final report as Armada's executor sends them."""

from __future__ import annotations

import pytest

from armada_executor.categories import Categorizer, own_category
from armada_executor.config import ConfigError, parse_config
from armada_executor.events import Node, RunInfo, ended, lost
from armada_executor.messages import DEADLINE_EXCEEDED, OOM
from armada_executor.outcome import ContainerFailure, Outcome, Phase

RUN = RunInfo("run-1", "job-1", "q", "set")
NODE = Node("local", "node-1", "default")


def failed(*failures: ContainerFailure, reason: int = 0) -> Outcome:
    return Outcome(Phase.FAILED, "containers failed", failures, reason)


@pytest.mark.parametrize(
    ("outcome", "category"),
    [
        (failed(ContainerFailure("main", 137, "OOMKilled", "", OOM), reason=OOM), ("oom", "")),
        (
            failed(ContainerFailure("main", 143, "DeadlineExceeded", ""), reason=DEADLINE_EXCEEDED),
            ("internal", "active-deadline"),
        ),
        (
            failed(ContainerFailure("main", 128, "StartError", "no such program")),
            ("start-error", ""),
        ),
        (failed(ContainerFailure("main", 137, "Error", "")), ("signal", "SIGKILL")),
        (
            failed(
                ContainerFailure("main", 1, "Error", ""), ContainerFailure("side", 2, "Error", "")
            ),
            ("exit-code", "1"),
        ),
    ],
)
def test_the_executors_own_categories(outcome: Outcome, category: tuple[str, str]) -> None:
    assert own_category(outcome) == category
    error = ended(RUN, NODE, Categorizer().categorize(outcome)).events[0].jobRunErrors.errors[0]
    assert (error.failure_category, error.failure_subcategory) == category
    assert error.WhichOneof("reason") == "podError"


def test_successes_returns_and_given_categories_are_left_alone() -> None:
    categorize = Categorizer().categorize
    assert categorize(Outcome(Phase.SUCCEEDED)) == Outcome(Phase.SUCCEEDED)
    returned = Outcome(Phase.RETURNED, "no room")
    assert categorize(returned) == returned
    given = Outcome(Phase.FAILED, "x", category="internal", subcategory="job-creation-failed")
    assert categorize(given) == given
    error = lost(RUN, NODE).events[0].jobRunErrors.errors[0]
    assert (error.failure_category, error.failure_subcategory) == ("internal", "pod-missing")


def test_armadas_classifier_when_configured() -> None:
    config = parse_config(
        {
            "application": {
                "errorCategories": {
                    "enabled": True,
                    "defaultCategory": "uncategorized",
                    "categories": [
                        {"name": "oom", "rules": [{"onConditions": ["OOMKilled"]}]},
                        {
                            "name": "user_error",
                            "rules": [
                                {
                                    "onExitCodes": {"operator": "In", "values": [1, 2]},
                                    "subcategory": "bad-args",
                                    "hint": "check the arguments",
                                }
                            ],
                        },
                    ],
                }
            }
        }
    )
    categorize = Categorizer(config.error_categories).categorize
    user = categorize(failed(ContainerFailure("main", 2, "Error", "")))
    assert (user.category, user.subcategory) == ("user_error", "bad-args")
    assert user.message == "containers failed\n\ncheck the arguments"
    other = categorize(failed(ContainerFailure("main", 3, "Error", "")))
    assert (other.category, other.subcategory) == ("uncategorized", "")
    oom = categorize(failed(ContainerFailure("main", 137, "OOMKilled", "", OOM), reason=OOM))
    assert oom.category == "oom"
    deadline = categorize(failed(reason=DEADLINE_EXCEEDED))
    assert (deadline.category, deadline.subcategory) == ("internal", "active-deadline")


def test_a_bad_classifier_config_stops_the_executor() -> None:
    bad = {"errorCategories": {"categories": [{"name": "x", "rules": []}]}}
    with pytest.raises(ConfigError, match=r"application\.errorCategories.*at least one rule"):
        parse_config({"application": bad})

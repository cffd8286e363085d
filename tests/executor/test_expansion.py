"""`$(VAR)` references with the kubelet's rules, in the text and in a pod's plan."""

from __future__ import annotations

import pytest
from executor_support import make_plan

from armada_executor.expansion import expand

KNOWN = {"A": "x", "B": "$(A)", "EMPTY": ""}


@pytest.mark.parametrize(
    ("text", "expanded"),
    [
        ("$(A)", "x"),
        ("pre-$(A)-$(A)-post", "pre-x-x-post"),
        ("$$(A)", "$(A)"),  # escaped
        ("$$$(A)", "$x"),
        ("$$", "$"),
        ("$(UNKNOWN)", "$(UNKNOWN)"),  # unknown: as written
        ("$(B)", "$(A)"),  # a value put in is not expanded again
        ("$(EMPTY)|", "|"),
        ("$A $x", "$A $x"),  # only the parenthesised form refers
        ("$(A", "$(A"),  # never closed
        ("$(A)$(", "x$("),
        ("$()", "$()"),
        ("$", "$"),
        ("a$", "a$"),
        ("no references", "no references"),
    ],
)
def test_expand_follows_kubernetes(text, expanded):
    assert expand(text, KNOWN) == expanded


def test_many_unclosed_references_stay_as_written():
    text = "$(" * 100_000
    assert expand(text, KNOWN) == text


def test_env_values_see_only_variables_defined_before_them():
    env = [
        {"name": "LATER_REF", "value": "$(FIRST)"},
        {"name": "FIRST", "value": "one"},
        {"name": "SECOND", "value": "$(FIRST)-two $$(FIRST) $(PATH)"},
        {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": "THIRD", "value": "$(POD)/$(SECOND)"},
    ]
    spec = {"containers": [{"name": "main", "command": ["true"], "env": env}]}
    [plan] = make_plan(spec).containers
    assert plan.env["LATER_REF"] == "$(FIRST)"
    assert plan.env["SECOND"] == "one-two $(FIRST) $(PATH)"  # PATH is the runtime's, not env's
    assert plan.env["THIRD"] == "armada-job1-0/one-two $(FIRST) $(PATH)"


def test_command_and_args_see_every_variable_of_the_container():
    spec = {
        "containers": [
            {
                "name": "main",
                "command": ["echo", "$(GREETING)"],
                "args": ["$(ARMADA_JOB_ID)", "$$(GREETING)", "$(NOPE)"],
                "env": [{"name": "GREETING", "value": "hello"}],
            }
        ]
    }
    [plan] = make_plan(spec).containers
    assert plan.argv == ("echo", "hello", "job1", "$(GREETING)", "$(NOPE)")

"""Required node affinity: Kubernetes' NodeSelector rules and error texts."""

from __future__ import annotations

import pytest

from armada_core.submission.affinity import (
    label_value_problems,
    node_selector_errors,
    qualified_name_problems,
)

NAME_RULE = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
    "an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)


def selector(*expressions: dict[str, object], fields: tuple[dict[str, object], ...] = ()) -> dict:
    term: dict[str, object] = {"matchExpressions": list(expressions)}
    if fields:
        term["matchFields"] = list(fields)
    return {"nodeSelectorTerms": [term]}


@pytest.mark.parametrize(
    "expression",
    [
        {"key": "zone", "operator": "In", "values": ["a", "b"]},
        {"key": "example.com/zone", "operator": "NotIn", "values": ["a"]},
        {"key": "gpu", "operator": "Exists"},
        {"key": "gpu", "operator": "DoesNotExist"},
        {"key": "cores", "operator": "Gt", "values": ["8"]},
        {"key": "cores", "operator": "Lt", "values": ["4"]},
    ],
)
def test_valid_expressions(expression: dict[str, object]) -> None:
    assert node_selector_errors(selector(expression)) is None


def test_empty_selectors_and_terms_are_valid() -> None:
    assert node_selector_errors({}) is None
    assert node_selector_errors({"nodeSelectorTerms": [{}]}) is None


P = "nodeSelectorTerms[0].matchExpressions[0]"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            {"key": "zone", "operator": "Near", "values": ["a"]},
            f'{P}.operator: Unsupported value: "Near"',
        ),
        (
            {"key": "zone", "operator": "In", "values": []},
            f"{P}.values: Invalid value: []string{{}}: for 'in', 'notin' operators, values set "
            "can't be empty",
        ),
        (
            {"key": "gpu", "operator": "Exists", "values": ["x"]},
            f'{P}.values: Invalid value: []string{{"x"}}: values set must be empty for exists and '
            "does not exist",
        ),
        (
            {"key": "cores", "operator": "Gt", "values": ["1", "2"]},
            f"{P}.values: Invalid value: []string{{\"1\", \"2\"}}: for 'Gt', 'Lt' operators, "
            "exactly one value is required",
        ),
        (
            {"key": "cores", "operator": "Lt", "values": ["many"]},
            f"{P}.values[0]: Invalid value: \"many\": for 'Gt', 'Lt' operators, the value must be "
            "an integer",
        ),
        (
            {"key": "bad key", "operator": "Exists"},
            f'{P}.key: Invalid value: "bad key": name part {NAME_RULE}',
        ),
    ],
)
def test_invalid_expressions(expression: dict[str, object], message: str) -> None:
    assert node_selector_errors(selector(expression)) == message


def test_several_problems_are_listed_in_brackets() -> None:
    both = selector(
        {"key": "zone", "operator": "Near"}, {"key": "gpu", "operator": "In", "values": []}
    )
    message = node_selector_errors(both)
    assert message is not None
    assert message.startswith(f'[{P}.operator: Unsupported value: "Near", ')
    assert message.endswith("values set can't be empty]")


def test_label_values_are_checked() -> None:
    message = node_selector_errors(selector({"key": "zone", "operator": "In", "values": ["a b"]}))
    assert message is not None
    assert message.startswith(f'{P}.values[0][zone]: Invalid value: "a b": a valid label must ')


def test_match_fields_allow_in_and_not_in_with_one_value() -> None:
    good = selector(fields=({"key": "metadata.name", "operator": "In", "values": ["n1"]},))
    two = selector(fields=({"key": "metadata.name", "operator": "In", "values": ["a", "b"]},))
    exists = selector(fields=({"key": "metadata.name", "operator": "Exists"},))
    assert node_selector_errors(good) is None
    assert node_selector_errors(two) == (
        'nodeSelectorTerms[0].matchFields[0].values: Invalid value: []string{"a", "b"}: '
        "must have one element"
    )
    assert node_selector_errors(exists) == (
        'nodeSelectorTerms[0].matchFields[0].operator: Unsupported value: "Exists": '
        'supported values: "In", "NotIn"'
    )


@pytest.mark.parametrize(
    ("name", "problems"),
    [
        ("zone", []),
        ("example.com/zone", []),
        ("a" * 63, []),
        ("a" * 64, ["name part must be no more than 63 characters"]),
        ("", ["name part must be non-empty", f"name part {NAME_RULE}"]),
        ("/zone", ["prefix part must be non-empty"]),
        (
            "a/b/c",
            [
                "a qualified name "
                + NAME_RULE
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
            ],
        ),
    ],
)
def test_qualified_names(name: str, problems: list[str]) -> None:
    assert qualified_name_problems(name) == problems


def test_prefix_must_be_a_dns_subdomain() -> None:
    (problem,) = qualified_name_problems("Example.COM/zone")
    assert problem.startswith("prefix part a lowercase RFC 1123 subdomain must consist of")


def test_label_values() -> None:
    assert label_value_problems("") == []
    assert label_value_problems("my_value.1") == []
    assert label_value_problems("-x")[0].startswith("a valid label must be an empty string")
    assert label_value_problems("v" * 64)[0] == "must be no more than 63 characters"

"""Validation of a required node affinity, as Kubernetes' `nodeaffinity.NewNodeSelector`.

Returns Kubernetes' field-error texts (`nodeSelectorTerms[0].matchExpressions[0].key:
Invalid value: ...`), joined as its error aggregate prints them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from armada_core.echo import shown as echo
from armada_core.submission._go import go_quote

_QUALIFIED_NAME_FORMAT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_QUALIFIED_NAME = re.compile(_QUALIFIED_NAME_FORMAT)
_LABEL_VALUE_FORMAT = f"({_QUALIFIED_NAME_FORMAT})?"
_LABEL_VALUE = re.compile(_LABEL_VALUE_FORMAT)
_DNS_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS_SUBDOMAIN_FORMAT = f"{_DNS_LABEL}(\\.{_DNS_LABEL})*"
_DNS_SUBDOMAIN = re.compile(_DNS_SUBDOMAIN_FORMAT)
_INT64 = re.compile(r"[+-]?[0-9]+")
_LABEL_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")
_FIELD_OPERATORS = ("In", "NotIn")


def node_selector_errors(selector: dict[str, Any]) -> str | None:
    """Kubernetes' complaint about a NodeSelector, or None if it is valid."""
    errors: list[str] = []
    for index, term in enumerate(selector.get("nodeSelectorTerms") or ()):
        path = f"nodeSelectorTerms[{index}]"
        term = term or {}
        for i, expression in enumerate(term.get("matchExpressions") or ()):
            errors += _label_requirement(expression, f"{path}.matchExpressions[{i}]")
        for i, expression in enumerate(term.get("matchFields") or ()):
            errors += _field_requirement(expression, f"{path}.matchFields[{i}]")
    return _aggregate(errors)


def _aggregate(errors: list[str]) -> str | None:
    unique = list(dict.fromkeys(errors))
    if not unique:
        return None
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


def _label_requirement(expression: dict[str, Any], path: str) -> list[str]:
    operator = str(expression.get("operator") or "")
    if operator not in _LABEL_OPERATORS:
        return [f"{path}.operator: Unsupported value: {echo(go_quote(operator))}"]
    key = str(expression.get("key") or "")
    values = [str(value) for value in expression.get("values") or ()]
    errors = []
    key_problems = qualified_name_problems(key)
    if key_problems:
        errors.append(_invalid(f"{path}.key", go_quote(key), "; ".join(key_problems)))
    problem = _value_count_problem(operator, values)
    if problem:
        errors.append(_invalid(f"{path}.values", _go_slice(values), problem))
    if operator in ("Gt", "Lt"):
        errors += [
            _invalid(
                f"{path}.values[{i}]",
                go_quote(value),
                "for 'Gt', 'Lt' operators, the value must be an integer",
            )
            for i, value in enumerate(values)
            if not _is_int64(value)
        ]
    for i, value in enumerate(values):
        value_problems = label_value_problems(value)
        if value_problems:
            errors.append(
                _invalid(f"{path}.values[{i}][{key}]", go_quote(value), "; ".join(value_problems))
            )
    return errors


def _value_count_problem(operator: str, values: Sequence[str]) -> str | None:
    if operator in ("In", "NotIn") and not values:
        return "for 'in', 'notin' operators, values set can't be empty"
    if operator in ("Exists", "DoesNotExist") and values:
        return "values set must be empty for exists and does not exist"
    if operator in ("Gt", "Lt") and len(values) != 1:
        return "for 'Gt', 'Lt' operators, exactly one value is required"
    return None


def _field_requirement(expression: dict[str, Any], path: str) -> list[str]:
    operator = str(expression.get("operator") or "")
    if operator not in _FIELD_OPERATORS:
        supported = ", ".join(go_quote(name) for name in _FIELD_OPERATORS)
        return [
            f"{path}.operator: Unsupported value: {echo(go_quote(operator))}: "
            f"supported values: {supported}"
        ]
    values = [str(value) for value in expression.get("values") or ()]
    if len(values) != 1:
        return [_invalid(f"{path}.values", _go_slice(values), "must have one element")]
    return []


def qualified_name_problems(name: str) -> list[str]:
    """Kubernetes' IsQualifiedName: `[prefix/]name` as label keys are written."""
    parts = name.split("/")
    if len(parts) > 2:
        return [
            "a qualified name "
            + _regex_error(
                "must consist of alphanumeric characters, '-', '_' or '.', and must start "
                "and end with an alphanumeric character",
                _QUALIFIED_NAME_FORMAT,
                "MyName",
                "my.name",
                "123-abc",
            )
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    problems = _prefix_problems(parts[0]) if len(parts) == 2 else []
    return problems + _name_problems(parts[-1])


def _prefix_problems(prefix: str) -> list[str]:
    if not prefix:
        return ["prefix part must be non-empty"]
    problems = []
    if len(prefix) > 253:
        problems.append("must be no more than 253 characters")
    if not _DNS_SUBDOMAIN.fullmatch(prefix):
        problems.append(
            _regex_error(
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                "characters, '-' or '.', and must start and end with an alphanumeric character",
                _DNS_SUBDOMAIN_FORMAT,
                "example.com",
            )
        )
    return ["prefix part " + problem for problem in problems]


def _name_problems(name: str) -> list[str]:
    problems = []
    if not name:
        problems.append("name part must be non-empty")
    elif len(name) > 63:
        problems.append("name part must be no more than 63 characters")
    if not _QUALIFIED_NAME.fullmatch(name):
        problems.append(
            "name part "
            + _regex_error(
                "must consist of alphanumeric characters, '-', '_' or '.', and must start and "
                "end with an alphanumeric character",
                _QUALIFIED_NAME_FORMAT,
                "MyName",
                "my.name",
                "123-abc",
            )
        )
    return problems


def label_value_problems(value: str) -> list[str]:
    """Kubernetes' IsValidLabelValue."""
    problems = []
    if len(value) > 63:
        problems.append("must be no more than 63 characters")
    if not _LABEL_VALUE.fullmatch(value):
        problems.append(
            _regex_error(
                "a valid label must be an empty string or consist of alphanumeric characters, "
                "'-', '_' or '.', and must start and end with an alphanumeric character",
                _LABEL_VALUE_FORMAT,
                "MyValue",
                "my_value",
                "12345",
            )
        )
    return problems


def _regex_error(message: str, pattern: str, *examples: str) -> str:
    shown = " or ".join(f"'{example}', " for example in examples)
    return f"{message} (e.g. {shown}regex used for validation is '{pattern}')"


def _invalid(path: str, shown_value: str, detail: str) -> str:
    return f"{path}: Invalid value: {echo(shown_value)}: {detail}"


def _go_slice(values: Sequence[str]) -> str:
    return "[]string{" + ", ".join(go_quote(value) for value in values) + "}"


def _is_int64(text: str) -> bool:
    return bool(_INT64.fullmatch(text)) and -(2**63) <= int(text) < 2**63

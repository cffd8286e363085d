"""Gang annotations: parsing, the request-level consistency rule and gang defaults."""

from __future__ import annotations

import pytest
from submission_support import build, item, pod, rejection, submit

from armada_core.commands import JobSubmitItem
from armada_core.submission import GangInfo, SubmissionConfig, parse_gang
from armada_core.submission.gangs import GangError

GANG = "armadaproject.io/gangId"
CARDINALITY = "armadaproject.io/gangCardinality"
UNIFORMITY = "armadaproject.io/gangNodeUniformityLabel"
FAIL_FAST = "armadaproject.io/failFast"


def member(gang: str = "g", cardinality: str = "2", **annotations: str) -> dict[str, str]:
    return {GANG: gang, CARDINALITY: cardinality, **annotations}


def test_parse_gang() -> None:
    assert parse_gang({}) is None
    assert parse_gang(member(cardinality="1")) is None  # cardinality 1: not a gang
    assert parse_gang(member(**{UNIFORMITY: "rack"})) == GangInfo("g", 2, "rack")
    assert parse_gang(member(cardinality="+3")) == GangInfo("g", 3, "")


@pytest.mark.parametrize(
    ("annotations", "message"),
    [
        ({GANG: ""}, "gang id is empty"),
        ({GANG: "g"}, f"gang cardinality annotation {CARDINALITY} is missing"),
        (
            member(cardinality="two"),
            'gang cardinality is not parseable - strconv.Atoi: parsing "two": invalid syntax',
        ),
        (
            member(cardinality=" 2"),
            'gang cardinality is not parseable - strconv.Atoi: parsing " 2": invalid syntax',
        ),
        (
            member(cardinality="9" * 20),
            f'gang cardinality is not parseable - strconv.Atoi: parsing "{"9" * 20}": '
            "value out of range",
        ),
        (member(cardinality="0"), "gang cardinality 0 is non-positive"),
        (member(cardinality="-2"), "gang cardinality -2 is non-positive"),
    ],
)
def test_malformed_gangs(annotations: dict[str, str], message: str) -> None:
    with pytest.raises(GangError, match="^" + message.replace("(", r"\(").replace("+", r"\+")):
        parse_gang(annotations)
    assert (
        rejection(submit(item(annotations=annotations))) == f"invalid gang information: {message}"
    )


def test_consistent_gang_members_pass() -> None:
    members = [item(annotations=member()), item(annotations=member())]
    assert rejection(submit(*members)) is None


@pytest.mark.parametrize(
    ("second", "message"),
    [
        (
            item(annotations=member(cardinality="3")),
            "inconsistent gang cardinality in gang g: expected 2 but got 3",
        ),
        (
            item(pod(priorityClassName="armada-preemptible"), annotations=member()),
            "inconsistent PriorityClassName in gang g: expected  but got armada-preemptible",
        ),
        (
            item(annotations=member(**{UNIFORMITY: "rack"})),
            "inconsistent nodeUniformityLabel in gang g: expected  but got rack",
        ),
    ],
)
def test_inconsistent_gang_members(second: JobSubmitItem, message: str) -> None:
    assert rejection(submit(item(annotations=member()), second)) == message


def test_different_gangs_need_not_agree() -> None:
    members = [item(annotations=member("a")), item(annotations=member("b", "3"))]
    assert rejection(submit(*members)) is None


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        ("true", None),
        (
            "false",
            f"gang jobs may not set fail fast flag (annotation - {FAIL_FAST}) to anything but true",
        ),
    ],
)
def test_gang_fail_fast_flag_must_be_true(flag: str, message: str | None) -> None:
    gang_item = item(annotations=member(**{FAIL_FAST: flag}))
    assert rejection(submit(gang_item)) == message
    single = item(annotations=member(cardinality="1", **{FAIL_FAST: flag}))
    assert rejection(submit(single)) is None  # not a gang: not checked


def test_gang_defaults_are_added_to_gang_jobs() -> None:
    config = SubmissionConfig(default_gang_node_uniformity_label="zone")
    job = build(item(annotations=member()), config)
    assert job.annotations == {**member(), UNIFORMITY: "zone", FAIL_FAST: "true"}
    assert GANG not in job.labels


def test_gang_defaults_keep_given_values_and_use_an_empty_default_label() -> None:
    job = build(item(annotations=member(**{UNIFORMITY: "rack"})))
    assert job.annotations[UNIFORMITY] == "rack"
    assert build(item(annotations=member())).annotations[UNIFORMITY] == ""


def test_non_gangs_get_no_gang_defaults() -> None:
    job = build(item(annotations=member(cardinality="1")))
    assert UNIFORMITY not in job.annotations
    assert FAIL_FAST not in job.annotations


def test_gang_id_label_when_configured() -> None:
    config = SubmissionConfig(add_gang_id_label=True)
    assert build(item(annotations=member()), config).labels == {GANG: "g"}
    # Armada copies any non-empty gang id, even of a single-job "gang".
    assert build(item(annotations=member(cardinality="1")), config).labels == {GANG: "g"}
    assert build(item(), config).labels == {}

"""The input limits (armada_core.limits) and the bounded echo (armada_core.echo)."""

from __future__ import annotations

import math

import pytest
from core_support import ADMIN, QUEUE

from armada_core.commands import CancelJobs, SubmitJobs, WatchJobSet
from armada_core.config import ServiceConfig
from armada_core.echo import MAX_SHOWN, shown
from armada_core.errors import InvalidArgument
from armada_core.events import EventId
from armada_core.limits import (
    ANNOTATIONS_BYTES,
    check_annotations,
    check_client_id,
    check_job_set_id,
    check_label_key,
    check_labels,
    check_length,
    check_number,
    check_queue_name,
)
from armada_core.queues import QueueSpec
from armada_core.service import ArmadaService
from armada_storage.memory import MemoryStorage

MB = 1_000_000

pytestmark = pytest.mark.anyio  # the async tests; plain ones ignore it

# --- echo ------------------------------------------------------------------------------


def test_short_values_are_shown_whole() -> None:
    assert shown("q") == "q"
    assert shown("é" * MAX_SHOWN) == "é" * MAX_SHOWN
    assert shown(42) == "42"


def test_long_values_show_a_prefix_and_their_length() -> None:
    text = shown("q" * MB)
    assert text.startswith("qqqq")
    assert text.endswith(f"… ({MB} chars)")
    assert len(text) < 100


# --- lengths ---------------------------------------------------------------------------


def test_length_counts_utf8_bytes_and_names_the_field() -> None:
    check_length("f", "é" * 5, 10)
    with pytest.raises(InvalidArgument, match=r"^f is too long: 12 bytes, at most 10 allowed$"):
        check_length("f", "é" * 6, 10)


@pytest.mark.parametrize(
    ("check", "ok", "too_long", "message"),
    [
        (check_queue_name, "q" * 253, "q" * 254, "queue name is too long"),
        (check_job_set_id, "j" * 1023, "é" * 512, "job set id of length 1024 must be less than"),
        (check_client_id, "c" * 100, "c" * 101, "client id of length 101 is greater than"),
    ],
)
def test_name_and_id_limits(check: object, ok: str, too_long: str, message: str) -> None:
    assert callable(check)
    check(ok)
    with pytest.raises(InvalidArgument, match=message):
        check(too_long)


def test_label_keys_and_values_are_bounded_as_kubernetes_does() -> None:
    check_labels("labels", {"p" * 253 + "/" + "n" * 63: "v" * 63, "": ""})
    for bad in ({"n" * 64: "v"}, {"p" * 254 + "/n": "v"}, {"k": "v" * 64}):
        with pytest.raises(InvalidArgument, match=r"^labels: "):
            check_labels("labels", bad)


def test_label_characters_are_not_checked() -> None:
    check_labels("labels", {"not a key!": "{JobId}"})  # Armada accepts; templates need it


def test_annotations_total_at_most_256_kib() -> None:
    half = ANNOTATIONS_BYTES // 2
    check_annotations("annotations", {"a": "x" * (half - 1), "b": "x" * (half - 1)})
    with pytest.raises(InvalidArgument, match=r"^annotations are too long: 262146 bytes"):
        check_annotations("annotations", {"a": "x" * half, "b": "x" * half})
    with pytest.raises(InvalidArgument, match=r"^annotations: key"):
        check_label_key("annotations", "k" * 64)


def test_passing_maps_are_remembered_by_kind_and_content_only() -> None:
    # The memo of passing labels and annotations: a map one kind accepts is still
    # checked as the other kind, failures are never remembered, big maps are not kept.
    from armada_core import limits

    long_value = {"memo-k": "v" * 64}
    check_annotations("annotations", long_value)  # fine as an annotation
    for _ in range(2):
        with pytest.raises(InvalidArgument, match=r"^labels: the value of"):
            check_labels("labels", long_value)
    assert ("labels", tuple(long_value.items())) not in limits._PASSED
    assert ("annotations", tuple(long_value.items())) in limits._PASSED
    big = {"memo-big": "x" * 5000}
    check_annotations("annotations", big)
    assert ("annotations", tuple(big.items())) not in limits._PASSED
    for n in range(limits._PASSED_SIZE + 10):
        check_labels("labels", {"memo-n": str(n)})
    assert len(limits._PASSED) <= limits._PASSED_SIZE
    # Not text: no key, so checked (and refused) each time.
    assert limits._passed_key("labels", {"k": ["v"]}) == ()  # type: ignore[dict-item]


def test_a_megabyte_message_shows_only_a_prefix() -> None:
    with pytest.raises(InvalidArgument) as caught:
        check_label_key("labels", "k" * MB)
    assert len(caught.value.message) < 300


@pytest.mark.parametrize("size", [10**6, 10**7])
def test_huge_values_are_refused_with_a_short_message(size: int) -> None:
    # Speed is measured over sockets in tests/hostile; here: refused, and briefly said.
    for check in (
        lambda: check_labels("labels", {"k" * size: "v"}),
        lambda: check_queue_name("é" * size),
    ):
        with pytest.raises(InvalidArgument) as caught:
            check()
        assert len(caught.value.message) < 300


# --- numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, -1.0, 1e308, 11.0])
def test_numbers_outside_the_range_are_refused(value: float) -> None:
    with pytest.raises(InvalidArgument, match=r"^x must be a number from 0 to 10, got "):
        check_number("x", value, 0, 10)


def test_numbers_inside_the_range_pass() -> None:
    assert check_number("x", 0.0, 0, 10) == 0.0
    assert check_number("x", 10, 0, 10) == 10


# --- message ids ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "99999999999999999999999999:0:0:0",
        "9223372036854775808:0:0:0",
        "0:0:9223372036854775808:1",
        "1-9223372036854775808",
        "1:2:3",
        "x" * MB,
    ],
)
def test_message_ids_beyond_int64_or_malformed_are_invalid(text: str) -> None:
    with pytest.raises(InvalidArgument, match=r"^from_message_id is not a valid") as caught:
        EventId.parse(text)
    assert len(caught.value.message) < 200


def test_the_largest_message_id_parses() -> None:
    top = 2**63 - 1
    assert EventId.parse(f"{top}:{top}:{top}:false") == EventId(top, top, top, False)


# --- through the service: checked before storage -----------------------------------------


class _CountingStorage(MemoryStorage):
    """Memory storage that counts queue lookups."""

    lookups = 0

    async def get_queue(self, name: str):  # type: ignore[no-untyped-def]
        self.lookups += 1
        return await super().get_queue(name)


@pytest.fixture
def counting() -> _CountingStorage:
    return _CountingStorage()


async def test_an_oversized_queue_name_never_reaches_storage(
    counting: _CountingStorage, config: ServiceConfig
) -> None:
    service = ArmadaService(counting, config=config)
    big = "q" * MB
    calls = [
        service.get_queue(ADMIN, big),
        service.submit_jobs(ADMIN, SubmitJobs(big, "js", ())),
        service.cancel_jobs(ADMIN, CancelJobs(big, "js", ("id",))),
        service.job_set_events(ADMIN, WatchJobSet(big, "js")),
        service.job_set_events(ADMIN, WatchJobSet("q", "js", from_message_id="1" * MB)),
        service.queue_info(ADMIN, big),
        service.delete_queue(ADMIN, big),
    ]
    for call in calls:
        with pytest.raises(InvalidArgument) as caught:
            await call
        assert len(caught.value.message) < 300
    assert counting.lookups == 0


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (QueueSpec("q", priority_factor=math.inf), "priority factor"),
        (QueueSpec("q", priority_factor=1e7), "priority factor"),
        (QueueSpec("q", priority_factor=1.0, user_owners=("u" * 254,)), "user_owners"),
        (QueueSpec("q", priority_factor=1.0, labels={"k": "v" * 64}), "labels"),
    ],
)
async def test_queue_specs_out_of_bounds_are_refused(
    service: ArmadaService, spec: QueueSpec, field: str
) -> None:
    with pytest.raises(InvalidArgument, match=f"^error validating queue: .*{field}"):
        await service.create_queue(ADMIN, spec)


async def test_a_priority_factor_of_a_million_is_accepted(service: ArmadaService) -> None:
    await service.create_queue(ADMIN, QueueSpec(QUEUE, priority_factor=1e6))
    assert (await service.get_queue(ADMIN, QUEUE)).priority_factor == 1e6

"""What the hostile suites share: a real server, hostile values, the case budget.

The suites reuse the e2e server harness (`tests/e2e/e2e_support.py`), the
descriptor walk of the wire strategies (`tests/adapters/wire/wire_strategies.py`)
and the storage helpers (`tests/storage/storage_helpers.py`): those folders go on
the path here, as pytest puts only a test's own folder there.
"""

from __future__ import annotations

import http.client
import math
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
from google.protobuf.descriptor import FieldDescriptor
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

_TESTS = Path(__file__).resolve().parents[1]
for _folder in ("e2e", "adapters/wire", "storage"):
    if str(_TESTS / _folder) not in sys.path:
        sys.path.insert(0, str(_TESTS / _folder))

from e2e_support import ServerProcess  # noqa: E402
from wire_strategies import MessageStrategies, go_scalar, go_special  # noqa: E402

from armada_adapters.wire import _k8s  # noqa: E402
from armada_adapters.wire.pool import message_class  # noqa: E402

# The queue (and job set) the suites create, so that fuzzed requests reach past lookups.
FUZZ_QUEUE = "fuzz"
# The answer-time bound of the issue: every answer within a second.
SLOWEST_ANSWER_S = 1.0
T = TypeVar("T")


def within_answer_time(send: Callable[[], T]) -> tuple[T, float]:
    """`send()`'s answer and how long it took. An answer slower than `SLOWEST_ANSWER_S`
    is asked for once more and that time counts: a request's own cost shows again, a
    stall of the shared machine (another process's burst) does not."""
    started = time.perf_counter()
    answer = send()
    elapsed = time.perf_counter() - started
    if elapsed > SLOWEST_ANSWER_S:
        started = time.perf_counter()
        answer = send()
        elapsed = time.perf_counter() - started
    return answer, elapsed


# CI runs the full count ("ci", the default); a developer may choose "dev" for a quick
# look (ARMADA_FUZZ_PROFILE=dev) or skip the suites with `-m "not fuzz"`.
settings.register_profile(
    "fuzz-ci",
    max_examples=1,  # each test sets its own count, scaled below
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
_SCALE = {"ci": 1.0, "dev": 0.1}[os.environ.get("ARMADA_FUZZ_PROFILE", "ci")]
FUZZ = settings.get_profile("fuzz-ci")


def examples(count: int) -> int:
    """A test's example count under the chosen profile."""
    return max(1, round(count * _SCALE))


@contextmanager
def fuzzed_server(
    folder: Path, pytest_config: Any, title: str, tally: Counter[str]
) -> Iterator[ServerProcess]:
    """The reference server on a SQLite file in `folder`, authentication off.

    When it stops, the suite's `tally` (requests sent, answers by status, inputs
    skipped per open finding) is printed in pytest's summary as `title: ...`.
    """
    config = {"storage": {"backend": "sqlite", "sqlite": {"path": str(folder / "armada.db")}}}
    process = ServerProcess(folder, config, {}).wait_ready()
    try:
        yield process
    finally:
        process.stop()
        summary_line(
            pytest_config, f"{title}: " + ", ".join(f"{k}={v}" for k, v in sorted(tally.items()))
        )


def summary_line(pytest_config: Any, line: str) -> None:
    """Write `line` to the terminal even though pytest captures fixture output."""
    reporter = pytest_config.pluginmanager.get_plugin("terminalreporter")
    capture = pytest_config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None:
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        reporter.write_line(line)


def health_seconds(server: ServerProcess) -> float:
    """GET /health over a fresh connection: asserts 204 and returns the time it took."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
    try:
        conn.request("GET", "/health")
        status = conn.getresponse().status
    finally:
        conn.close()
    assert status == 204, status
    return time.perf_counter() - started


# ---- hostile values ------------------------------------------------------------------

_HUGE_SIZES = (5_000, 70_000, 1_000_000)
_SPECIAL_TEXT = (
    "",
    " ",
    "\x00",
    "\r",
    "\r\n",
    "a\nb",
    "\t",
    "é",
    "\u202e",
    "\ufeff",
    "🙂" * 3,
    "../..",
    "a/b",
    "%s%n",
    "${x}",
    "'; DROP TABLE jobs; --",
    "null",
    "0",
    "-1",
    "1e1000",
    "0:0:0:0",
    "1:2:3:true",
    "99999999999999999999999999:0:0:0",
    "18446744073709551615-1",
    "01h00000000000000000000000",
)
_FLOATS = (math.nan, math.inf, -math.inf, 1e308, -1e308, -1.0, -0.0, 5e-324, 2.0**63, 1e-300)
_QUANTITIES = (
    "1e1000",
    "1e308",
    "1E99999999999",
    "9" * 400,
    "-1",
    "-1e308",
    "1Qi",
    "1.5.5",
    "0x10",
    "+-1",
    " 1",
    "1 ",
    "∞",
    "NaN",
    "Infinity",
    "",
)


def rarely(
    common: st.SearchStrategy[Any], rare: st.SearchStrategy[Any], one_in: int
) -> st.SearchStrategy[Any]:
    """`rare` about one draw in `one_in`, `common` otherwise."""
    return st.integers(1, one_in).flatmap(lambda k: rare if k == 1 else common)


def hostile_text(known: Sequence[str]) -> st.SearchStrategy[str]:
    """Names and ids: known good ones, empty, unicode, control characters, huge.

    `known` may grow after this is built (ids the server handed out): it is read
    at draw time.
    """
    control = st.characters(codec="utf-8", categories=["Cc", "Cf", "Zl", "Zp", "Zs"])
    common = st.one_of(
        st.integers(0, 1 << 16).map(lambda i: known[i % len(known)]),
        st.sampled_from(_SPECIAL_TEXT),
        st.text(max_size=12),
        st.text(control, max_size=6),
    )
    huge = st.builds(
        lambda char, size: char * size,
        st.sampled_from(["q", "é", "\x00", "🙂"]),
        st.sampled_from(_HUGE_SIZES),
    )
    # Rare: a pod spec holds dozens of strings, and one huge one makes a huge request.
    return rarely(common, huge, one_in=100)


def hostile_float() -> st.SearchStrategy[float]:
    return st.one_of(st.sampled_from(_FLOATS), st.floats())


def hostile_quantity(text: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, str]]:
    """A `Quantity` message: valid, garbage, overflowing or any hostile text."""
    garbage = st.one_of(st.sampled_from(_QUANTITIES), text)
    valid = go_special(_k8s.QUANTITY)
    assert valid is not None
    return st.one_of(valid, garbage.map(lambda s: {"string": s}))


def either(good: Any, bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.just(good), bad)


def hostile_submit(known: Sequence[str]) -> st.SearchStrategy[dict[str, Any]]:
    """`api.JobSubmitRequest` kwargs valid but for hostile leaves (random pod specs
    rarely pass the first checks, so quantities and names would never reach deep)."""
    text = hostile_text(known)
    resources = st.dictionaries(
        either("cpu", st.sampled_from(["memory", "nvidia.com/gpu", "ephemeral-storage"]) | text),
        hostile_quantity(text),
        min_size=1,
        max_size=3,
    )
    same = resources.map(lambda r: {"requests": r, "limits": r})
    apart = st.builds(lambda req, lim: {"requests": req, "limits": lim}, resources, resources)
    container = st.fixed_dictionaries(
        {"name": either("main", text), "image": either("busybox", text), "resources": same | apart}
    )
    pairs = st.dictionaries(text, text, max_size=2)
    item = st.fixed_dictionaries(
        {
            "namespace": either("default", text),
            "pod_spec": st.fixed_dictionaries(
                {"containers": st.lists(container, min_size=1, max_size=2)}
            ),
        },
        optional={
            "priority": hostile_float(),
            "client_id": text,
            "labels": pairs,
            "annotations": pairs,
        },
    )
    return st.fixed_dictionaries(
        {
            "queue": either(FUZZ_QUEUE, text),
            "job_set_id": text,
            "job_request_items": st.lists(item, min_size=1, max_size=3),
        }
    )


def hostile_strategies(known: Sequence[str]) -> MessageStrategies:
    """Message kwargs whose leaves are hostile (reusing the wire strategies' walk)."""
    text = hostile_text(known)
    floats = hostile_float()

    def scalar(field: FieldDescriptor) -> st.SearchStrategy[Any]:
        if field.type == FieldDescriptor.TYPE_STRING:
            return text
        if field.type == FieldDescriptor.TYPE_DOUBLE:
            return floats
        if field.type == FieldDescriptor.TYPE_FLOAT:
            return floats.map(_float32)
        return go_scalar(field)

    def special(name: str) -> st.SearchStrategy[dict[str, Any]] | None:
        return hostile_quantity(text) if name == _k8s.QUANTITY else go_special(name)

    return MessageStrategies(scalar=scalar, special=special)


class HostileRequests:
    """Request kwargs per message type: hostile leaves in the walk of the whole type
    and, for the types random messages rarely make valid enough to reach deep
    checks (a submit), in a valid skeleton too."""

    def __init__(self, known: Sequence[str]) -> None:
        self._walk = hostile_strategies(known)
        self._skeletons = {"api.JobSubmitRequest": hostile_submit(known)}

    def kwargs(self, type_name: str) -> st.SearchStrategy[dict[str, Any]]:
        walked = self._walk.kwargs(message_class(type_name).DESCRIPTOR)
        skeleton = self._skeletons.get(type_name)
        return walked if skeleton is None else st.one_of(walked, skeleton)


# What the fuzz files mark: skippable locally (`-m "not fuzz"`), quiet about the
# repr of the huge strategies hypothesis builds.
FUZZ_MARKS = (
    pytest.mark.fuzz,
    pytest.mark.e2e,
    pytest.mark.filterwarnings("ignore:Generating overly large repr"),
)


def _float32(value: float) -> float:
    # protobuf refuses a float field a double beyond float32's range: saturate like C.
    if math.isfinite(value) and abs(value) > 3.4e38:
        return math.copysign(math.inf, value)
    return value

"""What the hostile suites share: a real server, hostile values, the case budget.

The suites reuse the e2e server harness (`tests/e2e/e2e_support.py`) and the
descriptor walk of the wire strategies (`tests/adapters/wire/wire_strategies.py`);
both folders go on the path here, as pytest puts a test's own folder there.
"""

from __future__ import annotations

import http.client
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

_TESTS = Path(__file__).resolve().parents[1]
for _folder in ("e2e", "adapters/wire"):
    if str(_TESTS / _folder) not in sys.path:
        sys.path.insert(0, str(_TESTS / _folder))

from e2e_support import ServerProcess  # noqa: E402
from wire_strategies import MessageStrategies, go_scalar, go_special  # noqa: E402

from armada_adapters.wire import _k8s  # noqa: E402

# The answer-time bound of the issue: every answer within a second.
SLOWEST_ANSWER_S = 1.0

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


def sqlite_server(folder: Path) -> ServerProcess:
    """The reference server on a SQLite file in `folder`, authentication off."""
    config = {"storage": {"backend": "sqlite", "sqlite": {"path": str(folder / "armada.db")}}}
    return ServerProcess(folder, config, {}).wait_ready()


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
        if name != _k8s.QUANTITY:
            return go_special(name)
        garbage = st.one_of(st.sampled_from(_QUANTITIES), text)
        return st.one_of(go_special(name), garbage.map(lambda s: {"string": s}))

    return MessageStrategies(scalar=scalar, special=special)


def _float32(value: float) -> float:
    # protobuf refuses a float field a double beyond float32's range: saturate like C.
    if math.isfinite(value) and abs(value) > 3.4e38:
        return math.copysign(math.inf, value)
    return value


def strings_in(value: object) -> list[str]:
    """Every string inside a kwargs tree (dict keys included)."""
    found: list[str] = []
    _walk(value, lambda leaf: isinstance(leaf, str) and found.append(leaf))
    return found


def floats_in(value: object) -> list[float]:
    found: list[float] = []
    _walk(value, lambda leaf: isinstance(leaf, float) and found.append(leaf))
    return found


def _walk(value: object, visit: Callable[[object], object]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            visit(key)
            _walk(item, visit)
    elif isinstance(value, list | tuple):
        for item in value:
            _walk(item, visit)
    else:
        visit(value)

"""Hypothesis against every RPC of a real server over a socket: no INTERNAL, nothing slow.

Every method of the operation table (so a new RPC is fuzzed without a change here)
gets two runs: request messages whose leaves are hostile (names and ids empty,
unicode, control characters or huge; floats NaN, ±inf, huge, negative; garbage and
overflowing quantities; nested pod specs from the wire strategies), and raw bytes
as the message body (random, or a valid message cut or flipped). Each answer must
come within a second with any status but INTERNAL or UNKNOWN, and the server must
still answer /health after each method's run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from fuzz_support import (
    FUZZ,
    FUZZ_MARKS,
    FUZZ_QUEUE,
    SLOWEST_ANSWER_S,
    HostileRequests,
    examples,
    fuzzed_server,
    health_seconds,
    within_answer_time,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from armada_adapters.wire.operations import OPERATIONS
from armada_adapters.wire.pool import message_class

pytestmark = list(FUZZ_MARKS)

PATHS = sorted(OPERATIONS)
STRUCTURED_EXAMPLES = 340
RAW_EXAMPLES = 100
MIN_SENT = 10_000  # the bar, summed over every method (full profile)
# A stream that follows (Watch) idles once its backlog is sent: after this long
# without an error, its checks have passed (they run before the first message).
FOLLOW_PATIENCE_S = 0.3
WATCHING = "/api.Event/Watch"
FAILURES = (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN)
QUEUE = FUZZ_QUEUE
KNOWN: list[str] = [QUEUE]  # names and ids the server knows (job ids added once submitted)
REQUESTS = HostileRequests(KNOWN)
TALLY: Counter[str] = Counter()


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp("fuzz-grpc")
    with fuzzed_server(folder, request.config, "gRPC fuzz", TALLY) as process:
        yield process


@pytest.fixture(scope="module")
def channel(server: Any) -> Iterator[grpc.Channel]:
    options = [("grpc.max_metadata_size", 16 << 20), ("grpc.max_receive_message_length", -1)]
    with grpc.insecure_channel(server.grpc_target, options=options) as ch:
        yield ch


@pytest.fixture
def seeded(channel: grpc.Channel) -> None:
    """Queue `fuzz` exists, open, with jobs in job set `fuzz` (a fuzzed call may undo any)."""
    queue = message_class("api.Queue")(name=QUEUE, priority_factor=1.0)
    status = _call(channel, "/api.QueueService/CreateQueue", queue.SerializeToString())
    if status == grpc.StatusCode.ALREADY_EXISTS:
        _call(channel, "/api.QueueService/UpdateQueue", queue.SerializeToString())
    cordon = message_class("api.QueueUncordonRequest")(name=QUEUE)
    _call(channel, "/api.QueueService/UncordonQueue", cordon.SerializeToString())
    submit = message_class("api.JobSubmitRequest")(
        queue=QUEUE, job_set_id=QUEUE, job_request_items=[_item(), _item()]
    )
    reply = channel.unary_unary("/api.Submit/SubmitJobs")(submit.SerializeToString(), timeout=10)
    response = message_class("api.JobSubmitResponse").FromString(reply)
    KNOWN.extend(item.job_id for item in response.job_response_items)


def _item() -> Any:
    container = {
        "name": "main",
        "image": "busybox",
        "resources": {
            "requests": {"cpu": {"string": "100m"}, "memory": {"string": "64Mi"}},
            "limits": {"cpu": {"string": "100m"}, "memory": {"string": "64Mi"}},
        },
    }
    return {"namespace": "default", "pod_spec": {"containers": [container]}}


@pytest.mark.parametrize("path", PATHS)
def test_hostile_messages(path: str, channel: grpc.Channel, server: Any, seeded: None) -> None:
    op = OPERATIONS[path]
    cls = message_class(op.request_type_name)

    @settings(FUZZ, max_examples=examples(_structured_count(path)))
    @given(REQUESTS.kwargs(op.request_type_name))
    def run(kwargs: dict[str, Any]) -> None:
        if path == "/api.Event/GetJobSetEvents":
            kwargs["watch"] = False  # a watch never ends; Watch itself is fuzzed
        _check(channel, path, cls(**kwargs).SerializeToString())

    run()
    assert health_seconds(server) < SLOWEST_ANSWER_S
    TALLY["runs"] += 1


@pytest.mark.parametrize("path", PATHS)
def test_raw_bytes(path: str, channel: grpc.Channel, server: Any, seeded: None) -> None:
    cls = message_class(OPERATIONS[path].request_type_name)
    valid = REQUESTS.kwargs(cls.DESCRIPTOR.full_name)
    body = st.one_of(
        st.binary(max_size=512),
        st.builds(_mangle, valid.map(lambda k: cls(**k).SerializeToString()), st.randoms()),
    )

    @settings(FUZZ, max_examples=examples(RAW_EXAMPLES))
    @given(body)
    def run(data: bytes) -> None:
        _check(channel, path, data)

    run()
    assert health_seconds(server) < SLOWEST_ANSWER_S
    TALLY["runs"] += 1


def test_every_run_sent_its_share_of_cases(server: Any) -> None:
    """Last in the file: the runs above sent at least MIN_SENT requests in all."""
    if TALLY["runs"] < 2 * len(PATHS):
        pytest.skip("only some methods ran")
    assert TALLY["sent"] >= examples(MIN_SENT), TALLY


def _structured_count(path: str) -> int:
    # Most Watch examples name a job set that exists and so wait out the patience.
    return STRUCTURED_EXAMPLES // 5 if path == WATCHING else STRUCTURED_EXAMPLES


def _mangle(data: bytes, rnd: Any) -> bytes:
    """A valid message cut short or with a few bytes flipped."""
    if not data:
        return bytes([rnd.randrange(256)])
    if rnd.random() < 0.5:
        return data[: rnd.randrange(len(data))]
    out = bytearray(data)
    for _ in range(rnd.randint(1, 4)):
        out[rnd.randrange(len(out))] = rnd.randrange(256)
    return bytes(out)


def _check(channel: grpc.Channel, path: str, body: bytes) -> None:
    status, elapsed = within_answer_time(lambda: _call(channel, path, body))
    TALLY["sent"] += 1
    TALLY[status.name] += 1
    assert status not in FAILURES, (path, status, body[:300])
    assert elapsed <= SLOWEST_ANSWER_S, (path, elapsed, body[:300])


def _call(channel: grpc.Channel, path: str, body: bytes) -> grpc.StatusCode:
    """Send one request; the status it ended with (a following stream's wait is OK)."""
    follows = path == WATCHING
    timeout = FOLLOW_PATIENCE_S if follows else 10 * SLOWEST_ANSWER_S
    try:
        if OPERATIONS[path].streaming:
            for _ in channel.unary_stream(path)(body, timeout=timeout):
                pass
        else:
            channel.unary_unary(path)(body, timeout=timeout)
    except grpc.RpcError as error:
        code: grpc.StatusCode = error.code()  # type: ignore[attr-defined]
        if follows and code == grpc.StatusCode.DEADLINE_EXCEEDED:
            return grpc.StatusCode.OK
        return code
    return grpc.StatusCode.OK

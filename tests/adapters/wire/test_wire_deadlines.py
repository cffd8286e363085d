"""The gRPC timeout format (`grpc-timeout` / `Grpc-Timeout`) and the deadline errors' codes."""

from __future__ import annotations

import pytest

from armada_adapters.wire.deadlines import (
    DEADLINE_EXCEEDED_MESSAGE,
    DeadlineExceeded,
    InvalidGrpcTimeout,
    parse_grpc_timeout,
)
from armada_adapters.wire.errors import StatusCode, code_for, http_status


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("1H", 3600.0),
        ("2M", 120.0),
        ("30S", 30.0),
        ("200m", 0.2),
        ("1500u", 0.0015),
        ("250n", 250e-9),
        ("0S", 0.0),
        ("00000007S", 7.0),  # leading zeros still count as digits: 8 of them
        ("99999999H", 99999999 * 3600.0),  # the largest value there is
        ("99999999n", 0.099999999),
    ],
)
def test_valid_timeouts(value: str, seconds: float) -> None:
    assert parse_grpc_timeout(value) == pytest.approx(seconds, rel=1e-12, abs=0)


def test_sub_second_units_are_exact_fractions() -> None:
    assert parse_grpc_timeout("1m") == 1 / 1000
    assert parse_grpc_timeout("3u") == 3 / 1_000_000


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "empty value"),
        ("5", "no unit"),
        ("12345", "no unit"),
        ("5X", "unknown unit 'X'"),
        ("5s", "unknown unit 's'"),  # units are case-sensitive: S is seconds, s nothing
        ("5h", "unknown unit 'h'"),
        ("S", "no digits before the unit"),
        ("123456789S", "9 digits, at most 8 allowed"),
        ("000000001m", "9 digits, at most 8 allowed"),
        ("-5S", "'-5' is not all ASCII digits"),
        ("+5S", "'+5' is not all ASCII digits"),
        ("1.5S", "'1.5' is not all ASCII digits"),
        ("5 S", "'5 ' is not all ASCII digits"),
        (" 5S", "' 5' is not all ASCII digits"),
        ("\u0665S", "is not all ASCII digits"),  # ARABIC-INDIC DIGIT FIVE
        ("\uff15S", "is not all ASCII digits"),  # FULLWIDTH DIGIT FIVE
        ("5SS", "'5S' is not all ASCII digits"),
    ],
)
def test_malformed_timeouts_say_why(value: str, reason: str) -> None:
    with pytest.raises(InvalidGrpcTimeout) as caught:
        parse_grpc_timeout(value)
    message = caught.value.message
    assert message.startswith(f"invalid grpc-timeout: {value!r}: ")
    assert reason in message
    assert message.endswith("expected 1 to 8 digits and a unit (H, M, S, m, u or n), e.g. 200m")


def test_a_long_value_is_echoed_as_an_excerpt() -> None:
    with pytest.raises(InvalidGrpcTimeout) as caught:
        parse_grpc_timeout("9" * 5000 + "S")
    assert len(caught.value.message) < 200
    assert "'" + "9" * 32 + "...'" in caught.value.message


def test_an_invalid_timeout_is_invalid_argument_400() -> None:
    error = InvalidGrpcTimeout("bad")
    assert code_for(error) is StatusCode.INVALID_ARGUMENT
    assert http_status(code_for(error)) == 400


def test_deadline_exceeded_is_its_code_504_with_grpcs_wording() -> None:
    error = DeadlineExceeded()
    assert code_for(error) is StatusCode.DEADLINE_EXCEEDED
    assert http_status(code_for(error)) == 504
    assert error.message == DEADLINE_EXCEEDED_MESSAGE == "context deadline exceeded"

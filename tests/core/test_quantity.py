"""Kubernetes quantities: parsing, exact values, canonical text and arithmetic."""

from __future__ import annotations

import math
import re
from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from armada_core.quantity import (
    FORMAT_WRONG,
    NUMERIC_WRONG,
    OUT_OF_RANGE,
    SUFFIX_WRONG,
    Quantity,
    QuantityFormat,
)

# (input, Kubernetes' canonical text) — from Kubernetes' own quantity tests and docs.
KNOWN_CANONICAL = [
    ("0", "0"),
    ("00", "0"),
    ("-", "0"),
    ("0.2", "200m"),
    (".5", "500m"),
    ("0.5", "500m"),
    ("+1", "1"),
    ("1.", "1"),
    ("1000m", "1"),
    ("5000m", "5"),
    ("1.08", "1080m"),
    ("1080000000n", "1080m"),
    ("1000u", "1m"),
    ("1n", "1n"),
    ("80n", "80n"),
    ("1080n", "1080n"),
    ("1u", "1u"),
    ("80u", "80u"),
    ("1080u", "1080u"),
    ("3.001n", "4n"),
    ("0.00000012345", "124n"),
    ("3k", "3k"),
    ("100.035k", "100035"),
    ("10.035M", "10035k"),
    ("500M", "500M"),
    ("1000M", "1G"),
    ("0.001T", "1G"),
    ("1.G", "1G"),
    ("1T", "1T"),
    ("1234567M", "1234567M"),
    ("12E", "12E"),
    ("129M", "129M"),
    ("128974848", "128974848"),
    ("1025", "1025"),
    ("1Mi", "1Mi"),
    ("64Mi", "64Mi"),
    ("123Mi", "123Mi"),
    ("1024Mi", "1Gi"),
    ("300Mi", "300Mi"),
    ("307200Ki", "300Mi"),
    ("6Ki", "6Ki"),
    ("1025024Mi", "1001Gi"),
    ("1024Gi", "1Ti"),
    ("1.5Gi", "1536Mi"),
    ("1.5Ki", "1536"),
    ("0.5Mi", "512Ki"),
    ("0.05Gi", "53687091200m"),
    ("100.035Ki", "102435840m"),
    ("0.000000000001Ki", "2n"),
    ("9Ei", "9223372036854775807"),
    ("-1Ki", "-1Ki"),
    ("-0.5Ki", "-512"),
    ("-9.01", "-9010m"),
    ("1e3", "1e3"),
    ("1E3", "1e3"),
    ("3e3", "3e3"),
    ("129e6", "129e6"),
    ("300e6", "300e6"),
    (".001e12", "1e9"),
    ("0.001e0", "1e-3"),
    ("1000e-12", "1e-9"),
    ("80e-3", "80e-3"),
    ("1.1E-9", "2e-9"),
    ("1.3E+6", "1300e3"),
    ("1e-100000", "1e-9"),
]

INVALID = [
    ("", FORMAT_WRONG),
    (" 1", FORMAT_WRONG),
    ("1 ", FORMAT_WRONG),
    ("1.1.M", FORMAT_WRONG),
    ("1+1.0M", FORMAT_WRONG),
    ("aoeu", FORMAT_WRONG),
    ("1e3i", FORMAT_WRONG),
    ("\u0661", FORMAT_WRONG),  # ARABIC-INDIC DIGIT ONE: not an ASCII digit
    ("0.1mi", SUFFIX_WRONG),
    ("0.1am", FORMAT_WRONG),
    (".5i", SUFFIX_WRONG),
    ("1i", SUFFIX_WRONG),
    ("1K", SUFFIX_WRONG),
    ("1e", SUFFIX_WRONG),
    ("1ee3", SUFFIX_WRONG),
    ("-3.01e-", SUFFIX_WRONG),
    ("1-3", SUFFIX_WRONG),
    ("1e1001", NUMERIC_WRONG),
    ("1" * 1001, NUMERIC_WRONG),
]


@pytest.mark.parametrize(("text", "canonical"), KNOWN_CANONICAL)
def test_known_kubernetes_canonical_forms(text: str, canonical: str) -> None:
    assert Quantity.parse(text).canonical() == canonical


@pytest.mark.parametrize(("text", "message"), INVALID)
def test_garbage_is_rejected_with_kubernetes_messages(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        Quantity.parse(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("value", "canonical"),
    [(0.2, "200m"), (1, "1"), (2.0, "2"), (1e16, "10e15"), (-3, "-3"), (1e-7, "100e-9")],
)
def test_json_numbers_parse_like_their_text(value: float, canonical: str) -> None:
    assert Quantity.parse(value).canonical() == canonical


@pytest.mark.parametrize("value", [True, None, float("nan"), float("inf"), [1]])
def test_non_quantities_are_rejected(value: object) -> None:
    with pytest.raises(ValueError):
        Quantity.parse(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("1", QuantityFormat.DECIMAL_SI),
        ("1k", QuantityFormat.DECIMAL_SI),
        ("1Ki", QuantityFormat.BINARY_SI),
        ("0.5Ki", QuantityFormat.BINARY_SI),
        ("0.5Ei", QuantityFormat.BINARY_SI),
        ("0.000000000001Ki", QuantityFormat.DECIMAL_SI),  # below one unit: decimal
        ("1e3", QuantityFormat.DECIMAL_EXPONENT),
        ("1E", QuantityFormat.DECIMAL_SI),  # Exa, not an exponent
    ],
)
def test_format_family(text: str, fmt: QuantityFormat) -> None:
    assert Quantity.parse(text).format is fmt


@pytest.mark.parametrize(
    ("text", "milli", "whole"),
    [
        ("1.5", 1500, 2),
        ("-1.5", -1500, -2),
        ("1n", 1, 1),
        ("-1n", -1, -1),
        ("100u", 1, 1),
        ("64Mi", 67108864000, 67108864),
        ("0", 0, 0),
    ],
)
def test_milli_value_and_value_round_away_from_zero(text: str, milli: int, whole: int) -> None:
    quantity = Quantity.parse(text)
    assert (quantity.milli_value(), quantity.value()) == (milli, whole)


def test_binary_values_are_capped_at_int64() -> None:
    assert Quantity.parse("16Ei") == Quantity.parse("9223372036854775807")
    assert Quantity.parse("1000E") > Quantity.parse("16Ei")  # decimal values are not capped


def test_values_above_the_largest_suffix_keep_it() -> None:
    # Kubernetes prints these without any suffix, which does not parse back.
    assert Quantity.parse("1000E").canonical() == "1000E"
    four = Quantity.parse("4Ei")
    assert (four + four).canonical() == "8Ei"
    assert four.scaled(512.0).canonical() == "2048Ei"


def test_addition_keeps_the_left_format_unless_the_left_is_zero() -> None:
    mebi, milli = Quantity.parse("512Mi"), Quantity.parse("100m")
    assert (mebi + mebi).canonical() == "1Gi"
    assert (Quantity() + mebi).format is QuantityFormat.BINARY_SI
    assert (milli + Quantity.parse("1")).canonical() == "1100m"
    assert (Quantity.parse("1") + milli).format is QuantityFormat.DECIMAL_SI


def test_equality_is_by_value_across_formats() -> None:
    assert Quantity.parse("1Ki") == Quantity.parse("1024")
    assert hash(Quantity.parse("1Ki")) == hash(Quantity.parse("1.024k"))
    assert Quantity.parse("1") != "1"
    assert max(Quantity.parse("1Gi"), Quantity.parse("1G")) == Quantity.parse("1Gi")


def test_scaled_is_exact_and_rounds_up_to_a_nano() -> None:
    assert Quantity.parse("1").scaled(1.5).canonical() == "1500m"
    assert Quantity.parse("3n").scaled(0.5).canonical() == "2n"
    assert Quantity.parse("-3n").scaled(0.5).canonical() == "-2n"
    assert Quantity.parse("1Gi").scaled(2.0).canonical() == "2Gi"


def test_negation_and_sign() -> None:
    quantity = Quantity.parse("250m")
    assert (-quantity).canonical() == "-250m"
    assert (quantity.sign(), (-quantity).sign(), Quantity().sign()) == (1, -1, 0)
    assert Quantity().is_zero()
    assert repr(quantity) == "Quantity('250m')"


# --- properties ---------------------------------------------------------------------

_SUFFIXES = st.one_of(
    st.sampled_from(["", "n", "u", "m", "k", "M", "G", "T", "P", "E"]),
    st.sampled_from(["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]),
    st.builds(
        lambda e, sign, exponent: f"{e}{sign}{exponent}",
        st.sampled_from("eE"),
        st.sampled_from(["", "+", "-"]),
        st.integers(0, 40),
    ),
)
_TEXTS = st.builds(
    lambda sign, whole, fraction, suffix: f"{sign}{whole}{fraction}{suffix}",
    st.sampled_from(["", "+", "-"]),
    st.text("0123456789", min_size=1, max_size=20),
    st.one_of(st.just(""), st.text("0123456789", max_size=14).map(lambda d: "." + d)),
    _SUFFIXES,
)
_QUANTITIES = _TEXTS.map(Quantity.parse)


_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL = {"": 0, "n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}


def _reference_nanos(text: str) -> int:
    """The value Kubernetes computes, via Decimal: rounded up (away from 0) to 1n."""
    negative = text.startswith("-")
    number, suffix = re.fullmatch(r"[+-]?([0-9.]*)(.*)", text).groups()  # type: ignore[union-attr]
    with localcontext(prec=500):
        value = Decimal(number) if number.strip(".") else Decimal(0)
        if suffix in _BINARY:
            value *= 2 ** _BINARY[suffix]
        else:
            value = value.scaleb(_DECIMAL.get(suffix) or int(suffix[1:] or 0))
        magnitude = math.ceil(value.scaleb(9))
    if suffix in _BINARY:
        magnitude = min(magnitude, (2**63 - 1) * 10**9)
    return -magnitude if negative else magnitude


@given(_TEXTS)
def test_parsed_value_matches_a_decimal_reference(text: str) -> None:
    assert Quantity.parse(text).nanos == _reference_nanos(text)


@given(_QUANTITIES)
def test_canonical_text_parses_back_to_the_same_value(quantity: Quantity) -> None:
    assert Quantity.parse(quantity.canonical()) == quantity


@given(_QUANTITIES)
def test_canonical_is_idempotent(quantity: Quantity) -> None:
    canonical = quantity.canonical()
    assert Quantity.parse(canonical).canonical() == canonical


@given(_QUANTITIES, _QUANTITIES)
def test_ordering_agrees_with_milli_values(a: Quantity, b: Quantity) -> None:
    assert (a < b) == (a.nanos < b.nanos)
    if a <= b:
        assert a.milli_value() <= b.milli_value()
        assert a.value() <= b.value()


@given(_QUANTITIES, _QUANTITIES)
def test_sum_is_commutative_and_exact(a: Quantity, b: Quantity) -> None:
    assert a + b == b + a
    assert (a + b).nanos == a.nanos + b.nanos


def test_ordering_with_other_types_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        assert Quantity.parse("1") < 1  # type: ignore[operator]


def test_enormous_numbers_are_refused_not_computed() -> None:
    with pytest.raises(ValueError, match=NUMERIC_WRONG):
        Quantity.parse(10**5000)
    with pytest.raises(ValueError, match=NUMERIC_WRONG):
        Quantity.parse("1e999999999")


@pytest.mark.parametrize("value", ["1e306", "-1e306", "1e308", "1e1000", 1e308, "2e305"])
def test_decimal_values_whose_milli_value_overflows_a_double_are_refused(value: object) -> None:
    with pytest.raises(ValueError, match=re.escape(OUT_OF_RANGE)):
        Quantity.parse(value)


def test_the_largest_accepted_decimal_value_converts_to_a_float() -> None:
    quantity = Quantity.parse("1.7e305")
    assert math.isfinite(float(quantity.milli_value()))
    assert Quantity.parse("1Ei") < quantity  # binary values stay capped at 2^63-1

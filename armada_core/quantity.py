"""Kubernetes resource quantities (`resource.Quantity` of k8s.io/apimachinery), exactly.

A quantity is held as an exact integer number of nano-units (Kubernetes rounds every
parsed value up, away from zero, to 1n) plus the format family its text was written
in: decimal SI (`100m`, `2k`), binary SI (`1Gi`) or decimal exponent (`1e3`). Values
compare and add by value; the format only decides how `canonical()` prints them.

Grammar, rounding, the binary cap at 2^63-1 and canonical forms follow Kubernetes.
Two deliberate differences, both where Kubernetes prints something it cannot parse
back: a decimal-SI value above 999E keeps the `E` suffix with a longer number, and a
binary value above 1023Ei keeps `Ei`. And where Kubernetes echoes text it parsed
(`+1`, `0100m`), the canonical form is printed instead. Absurd magnitudes (over 1000 digits or a
decimal exponent above 1000) are refused instead of building huge integers.

Kubernetes caps a binary quantity at 2^63-1 and keeps decimal ones as unbounded
decimals. We cap binary ones the same way and refuse a decimal one whose value in
milli-units is beyond the largest double, about 1.8e305 units (`OUT_OF_RANGE`):
Armada compares resources as floats of milli-units, which must stay finite.
"""

from __future__ import annotations

import re
import sys
from enum import Enum
from functools import lru_cache

FORMAT_WRONG = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)
SUFFIX_WRONG = "unable to parse quantity's suffix"
NUMERIC_WRONG = "unable to parse numeric part of quantity"
OUT_OF_RANGE = "quantity is out of range: its milli-value must fit a double (1.8e305 at most)"

_NANO = 10**9
_MILLI_IN_NANOS = 10**6
_MAX_BINARY_NANOS = (2**63 - 1) * _NANO
_MAX_DECIMAL_NANOS = int(sys.float_info.max) * _MILLI_IN_NANOS
_MAX_DIGITS = 1000
_MAX_EXPONENT = 1000

_PATTERN = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[+-]?[0-9]*)")
_SIGNED_INT = re.compile(r"[+-]?[0-9]+")
_DECIMAL_SUFFIXES = {
    "n": -9,
    "u": -6,
    "m": -3,
    "": 0,
    "k": 3,
    "M": 6,
    "G": 9,
    "T": 12,
    "P": 15,
    "E": 18,
}
_DECIMAL_NAMES = {exponent: name for name, exponent in _DECIMAL_SUFFIXES.items()}
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_BINARY_NAMES = ("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei")


class QuantityFormat(Enum):
    """How a quantity was written, which decides how it is printed back."""

    DECIMAL_SI = "DecimalSI"
    BINARY_SI = "BinarySI"
    DECIMAL_EXPONENT = "DecimalExponent"


class Quantity:
    """An immutable Kubernetes quantity. Build one with `Quantity.parse`.

    Not a dataclass: it keeps its canonical text in a lazily filled slot, and
    equality, ordering and hashing go by value only (`1Gi == 1073741824`).
    """

    __slots__ = ("_canonical", "_format", "_nanos")

    def __init__(self, nanos: int = 0, fmt: QuantityFormat = QuantityFormat.DECIMAL_SI) -> None:
        self._nanos = nanos
        self._format = fmt
        self._canonical: str | None = None

    @staticmethod
    def parse(value: str | int | float) -> Quantity:
        """Parse Kubernetes quantity text, or a JSON number; ValueError if malformed."""
        try:
            return parse_quantity(value)
        except TypeError:  # unhashable, hence not a quantity
            raise ValueError(FORMAT_WRONG) from None

    @property
    def nanos(self) -> int:
        """The exact value in nano-units (1 = 1n)."""
        return self._nanos

    @property
    def format(self) -> QuantityFormat:
        return self._format

    def is_zero(self) -> bool:
        return self._nanos == 0

    def sign(self) -> int:
        return (self._nanos > 0) - (self._nanos < 0)

    def milli_value(self) -> int:
        """The value in milli-units, rounded away from zero (Kubernetes' MilliValue)."""
        nanos = self._nanos
        return -(-nanos // _MILLI_IN_NANOS) if nanos > 0 else nanos // _MILLI_IN_NANOS

    def value(self) -> int:
        """The value in whole units, rounded away from zero (Kubernetes' Value)."""
        nanos = self._nanos
        return -(-nanos // _NANO) if nanos > 0 else nanos // _NANO

    def scaled(self, factor: float) -> Quantity:
        """This quantity times a float factor (exactly, rounded up to 1n like parsing)."""
        numerator, denominator = factor.as_integer_ratio()
        nanos = -(-abs(self._nanos) * abs(numerator) // denominator)
        negative = (self._nanos < 0) != (numerator < 0)
        return Quantity(-nanos if negative else nanos, self._format)

    def canonical(self) -> str:
        """Kubernetes' canonical text: `0.2` → `200m`, `1024Mi` → `1Gi`."""
        if self._canonical is None:
            self._canonical = _canonical_text(self._nanos, self._format)
        return self._canonical

    def __str__(self) -> str:
        return self.canonical()

    def __repr__(self) -> str:
        return f"Quantity({self.canonical()!r})"

    def __add__(self, other: Quantity) -> Quantity:
        if not isinstance(other, Quantity):
            return NotImplemented
        # Kubernetes: the sum keeps the left format unless the left side is zero.
        fmt = other._format if self._nanos == 0 else self._format
        return Quantity(self._nanos + other._nanos, fmt)

    def __neg__(self) -> Quantity:
        return Quantity(-self._nanos, self._format)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self._nanos == other._nanos

    def __hash__(self) -> int:
        return hash(self._nanos)

    def __lt__(self, other: Quantity) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self._nanos < other._nanos

    def __le__(self, other: Quantity) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self._nanos <= other._nanos

    def __gt__(self, other: Quantity) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self._nanos > other._nanos

    def __ge__(self, other: Quantity) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self._nanos >= other._nanos


@lru_cache(maxsize=4096, typed=True)
def parse_quantity(value: str | int | float) -> Quantity:
    """`Quantity.parse` as a cached plain function, cheap enough for hot loops.

    Quantities repeat endlessly across jobs ("1", "1Gi", "100m") and a Quantity is
    immutable, so one parsed instance per distinct input is shared. Unhashable input
    raises TypeError (from the cache) rather than ValueError.
    """
    if isinstance(value, str):
        return _parse_text(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(FORMAT_WRONG)
    try:
        text = repr(value) if isinstance(value, float) else str(value)
    except ValueError:  # an int beyond Python's int-to-str digit limit
        raise ValueError(NUMERIC_WRONG) from None
    return _parse_text(text)


def _parse_text(text: str) -> Quantity:
    match = _PATTERN.fullmatch(text) if text else None
    if match is None:
        raise ValueError(FORMAT_WRONG)
    sign, whole, fraction, suffix = match.groups(default="")
    base, exponent, fmt = _interpret(suffix)
    if len(whole) + len(fraction) > _MAX_DIGITS or exponent > _MAX_EXPONENT:
        raise ValueError(NUMERIC_WRONG)
    nanos = _nanos_of(int(whole + fraction or "0"), len(fraction), base, exponent)
    if fmt is QuantityFormat.BINARY_SI:
        nanos = min(nanos, _MAX_BINARY_NANOS)
        if 0 < nanos < _NANO:  # a fraction of one unit is shown as decimal
            fmt = QuantityFormat.DECIMAL_SI
    elif nanos > _MAX_DECIMAL_NANOS:
        raise ValueError(OUT_OF_RANGE)
    return Quantity(-nanos if sign == "-" else nanos, fmt)


def _interpret(suffix: str) -> tuple[int, int, QuantityFormat]:
    exponent = _DECIMAL_SUFFIXES.get(suffix)
    if exponent is not None:
        return 10, exponent, QuantityFormat.DECIMAL_SI
    exponent = _BINARY_SUFFIXES.get(suffix)
    if exponent is not None:
        return 2, exponent, QuantityFormat.BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE" and _SIGNED_INT.fullmatch(suffix[1:]):
        exponent = int(suffix[1:])
        if -(2**63) <= exponent < 2**63:  # Go parses the exponent as an int64
            return 10, exponent, QuantityFormat.DECIMAL_EXPONENT
    raise ValueError(SUFFIX_WRONG)


def _nanos_of(digits: int, fraction_digits: int, base: int, exponent: int) -> int:
    """|value| in nano-units, rounded up: digits * 10^-fraction_digits * base^exponent."""
    if base == 2:
        digits <<= exponent
        shift = 9 - fraction_digits
    else:
        shift = exponent + 9 - fraction_digits
    if shift >= 0:
        return digits * _pow10(shift)
    if -shift > digits.bit_length():  # 10^k > 2^k > digits: it rounds up to 1n
        return 1 if digits else 0
    return -(-digits // _pow10(-shift))


def _pow10(exponent: int) -> int:
    return int(10**exponent)


def _canonical_text(nanos: int, fmt: QuantityFormat) -> str:
    if nanos == 0:
        return "0"
    if fmt is QuantityFormat.BINARY_SI and abs(nanos) >= 1024 * _NANO and nanos % _NANO == 0:
        return _binary_text(nanos // _NANO)
    return _decimal_text(nanos, fmt)


def _binary_text(units: int) -> str:
    magnitude, power = abs(units), 0
    while power < 6 and magnitude >= 1024 and magnitude % 1024 == 0:
        magnitude >>= 10
        power += 1
    return f"{'-' if units < 0 else ''}{magnitude}{_BINARY_NAMES[power]}"


def _decimal_text(nanos: int, fmt: QuantityFormat) -> str:
    magnitude, exponent = abs(nanos), -9
    while magnitude % 10 == 0:
        magnitude //= 10
        exponent += 1
    rest = exponent % 3  # lower the exponent to a multiple of three
    magnitude, exponent = magnitude * 10**rest, exponent - rest
    if fmt is QuantityFormat.DECIMAL_EXPONENT:
        suffix = f"e{exponent}" if exponent else ""
    else:
        if exponent > 18:
            magnitude, exponent = magnitude * 10 ** (exponent - 18), 18
        suffix = _DECIMAL_NAMES[exponent]
    return f"{'-' if nanos < 0 else ''}{magnitude}{suffix}"

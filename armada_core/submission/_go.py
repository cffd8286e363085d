"""Small ports of Go standard-library behaviour that Armada's messages and config rely on:
`strconv.Quote` (the `%q` verb), `strconv.Atoi`, and a Duration's `%d`.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from armada_core.echo import shown

_INT = re.compile(r"[+-]?[0-9]+")
_ESCAPES = {
    "\a": r"\a",
    "\b": r"\b",
    "\f": r"\f",
    "\n": r"\n",
    "\r": r"\r",
    "\t": r"\t",
    "\v": r"\v",
    "\\": r"\\",
    '"': r"\"",
}


def go_quote(text: str) -> str:
    """`text` as Go's `%q` prints it."""
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    return '"' + "".join(_quote_char(ch) for ch in text) + '"'


def _quote_char(ch: str) -> str:
    escaped = _ESCAPES.get(ch)
    if escaped is not None:
        return escaped
    if ch.isprintable():
        return ch
    code = ord(ch)
    if code < 0x20 or code == 0x7F:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def go_atoi(text: str) -> int:
    """Go's `strconv.Atoi` on a 64-bit platform; ValueError with Go's message."""
    if not _INT.fullmatch(text):
        raise ValueError(f"strconv.Atoi: parsing {shown(go_quote(text))}: invalid syntax")
    digits = text.lstrip("+-").lstrip("0")
    # More than 19 digits is out of int64 range: no need to convert (int() is quadratic).
    if len(digits) > 19 or not -(2**63) <= (value := int(text)) < 2**63:
        raise ValueError(f"strconv.Atoi: parsing {shown(go_quote(text))}: value out of range")
    return value


def duration_nanos(value: timedelta) -> int:
    """A timedelta as Go's integer nanoseconds (what `%d` prints for a Duration)."""
    return (value // timedelta(microseconds=1)) * 1000


def go_float(value: float) -> str:
    """`value` as Go's `%v` prints a float64: shortest digits, `e+06` from a million."""
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "+Inf" if value > 0 else "-Inf"
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exponent, int)  # finite
    text = "".join(map(str, digits))
    if text == "0":
        return "-0" if sign else "0"
    point = len(text) + exponent  # digits before the decimal point
    if point - 1 < -4 or point - 1 >= 6:
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        body = f"{mantissa}e{point - 1:+03d}"
    elif point <= 0:
        body = "0." + "0" * -point + text
    elif point >= len(text):
        body = text + "0" * (point - len(text))
    else:
        body = text[:point] + "." + text[point:]
    return ("-" if sign else "") + body

"""The text primitives of Armada's scheduler reports (spec 3.3), written once.

Go's `text/tabwriter` (min width 1, tab width 1, padding 1, spaces, no flags) aligns
the reports: a tab ends a cell; within a run of consecutive lines that have a cell in
some column, every cell of that column is padded to the run's widest cell plus one;
the last cell of a line (no tab after it) is never padded. Times and durations are
printed as Go prints `time.Time` and `time.Duration`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from armada_core.quantity import Quantity

NS_PER_S = 1_000_000_000
_PADDING = 1


def tabwrite(text: str) -> str:
    """`text` as Go's tabwriter (with the settings above) would print it."""
    rows = [line.split("\t") for line in text.split("\n")]
    widths = [_widths(rows, column) for column in range(max(len(r) for r in rows) - 1)]
    out = []
    for i, row in enumerate(rows):
        cells = [cell.ljust(widths[c][i]) for c, cell in enumerate(row[:-1])]
        out.append("".join(cells) + row[-1])
    return "\n".join(out)


def _widths(rows: Sequence[list[str]], column: int) -> list[int]:
    """Per row, the padded width of its cell in `column` (runs of rows that have one)."""
    widths = [0] * len(rows)
    start = 0
    while start < len(rows):
        if len(rows[start]) - 1 <= column:
            start += 1
            continue
        end = start
        while end < len(rows) and len(rows[end]) - 1 > column:
            end += 1
        width = max(len(rows[r][column]) for r in range(start, end)) + _PADDING
        widths[start:end] = [width] * (end - start)
        start = end
    return widths


def indented(text: str, tabs: int) -> str:
    """Each line of an already aligned block behind `tabs` empty cells (one space each,
    once the outer block goes through `tabwrite`)."""
    prefix = "\t" * tabs
    return "".join(prefix + line + "\n" for line in text.splitlines())


def go_time(wall_ns: int, uptime_ns: int) -> str:
    """A Go `time.Time` string (UTC) with its monotonic reading: `... m=+3600.000000001`."""
    seconds, nanos = divmod(wall_ns, NS_PER_S)
    stamp = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S")
    fraction = f".{nanos:09d}".rstrip("0").rstrip(".")
    up_seconds, up_nanos = divmod(max(uptime_ns, 0), NS_PER_S)
    return f"{stamp}{fraction} +0000 UTC m=+{up_seconds}.{up_nanos:09d}"


def go_duration(ns: int) -> str:
    """A Go `time.Duration` string: `0s`, `850ns`, `1.5µs`, `12.3ms`, `1m30.5s`, `2h0m0s`."""
    if ns < 0:
        return "-" + go_duration(-ns)
    if ns == 0:
        return "0s"
    if ns < 1_000:
        return f"{ns}ns"
    if ns < 1_000_000:
        return _decimal(ns, 1_000, 3) + "µs"
    if ns < NS_PER_S:
        return _decimal(ns, 1_000_000, 6) + "ms"
    minutes, rest = divmod(ns, 60 * NS_PER_S)
    hours, minutes = divmod(minutes, 60)
    seconds = _decimal(rest, NS_PER_S, 9) + "s"
    if hours:
        return f"{hours}h{minutes}m{seconds}"
    return f"{minutes}m{seconds}" if minutes else seconds


def _decimal(value: int, unit: int, digits: int) -> str:
    whole, fraction = divmod(value, unit)
    text = f"{fraction:0{digits}d}".rstrip("0")
    return f"{whole}.{text}" if text else str(whole)


def resource_list(amounts: Mapping[str, int] | None, order: Sequence[str]) -> str:
    """`(cpu=500m,memory=1073741824)`: non-zero amounts in `order`, as Kubernetes
    decimal-SI quantities; `()` when all are zero, `(empty)` when there is no list."""
    if amounts is None:
        return "(empty)"
    known = [name for name in order if amounts.get(name)]
    others = sorted(name for name, amount in amounts.items() if amount and name not in order)
    cells = (f"{name}={Quantity(amounts[name]).canonical()}" for name in (*known, *others))
    return "(" + ",".join(cells) + ")"


def by_class(amounts: Mapping[str, Mapping[str, int]], order: Sequence[str]) -> str:
    """`pc=(...) pc2=(...)` sorted by priority class; classes holding nothing left out."""
    return " ".join(
        f"{name}={resource_list(amounts[name], order)}"
        for name in sorted(amounts)
        if any(amounts[name].values())
    )


def id_list(ids: Sequence[str]) -> str:
    """One id shown, the rest counted: `[a] (and 2 others not shown)`."""
    shown = f"[{ids[0]}]" if ids else "[]"
    return shown + (f" (and {len(ids) - 1} others not shown)" if len(ids) > 1 else "")


def name_list(names: Iterable[str]) -> str:
    """A Go string slice printed with %v: `[a b c]`."""
    return "[" + " ".join(names) + "]"

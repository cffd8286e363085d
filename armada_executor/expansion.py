"""Kubernetes' `$(VAR)` references in `command`, `args` and `env` values.

The kubelet's rule, reproduced: `$(NAME)` becomes NAME's value when NAME is known,
else stays as written; `$$` is an escaped `$` (so `$$(NAME)` gives `$(NAME)`); any
other `$` stays as it is. A value put in is not expanded again. One pass over the
text, so the work is linear in its length.
"""

from __future__ import annotations

from collections.abc import Mapping


def expand(text: str, known: Mapping[str, str]) -> str:
    """`text` with its references to `known` variables replaced."""
    if "$" not in text:
        return text
    out: list[str] = []
    start = cursor = 0
    last_close = text.rfind(")")  # a `$(` after it is never closed: no search (linear time)
    while (cursor := text.find("$", cursor)) != -1 and cursor + 1 < len(text):
        out.append(text[start:cursor])
        piece, used = _reference(text, cursor + 1, known, last_close)
        out.append(piece)
        cursor = start = cursor + 1 + used
    out.append(text[start:])
    return "".join(out)


def _reference(text: str, at: int, known: Mapping[str, str], last_close: int) -> tuple[str, int]:
    """What the `$` just before `at` stands for, and how many characters after it it used."""
    first = text[at]
    if first == "$":
        return "$", 1
    if first == "(":
        end = text.find(")", at + 1) if at < last_close else -1
        if end != -1:
            name = text[at + 1 : end]
            return known.get(name, f"$({name})"), end - at + 1
        return "$(", 1  # never closed: kept as written
    return "$" + first, 1

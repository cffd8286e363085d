"""Memory growth across retries (spec §1.8): the job's cumulative record, and the
memory a run gets from it.

A job keeps one record: a product of factors, or a sum of static quantities, never
both. A bump of the other kind is skipped (the retry goes on without it). The memory
of a retried run is `ceil(original * factor)` bytes, or `original + static`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from armada_core.quantity import Quantity

if TYPE_CHECKING:  # jobs import the record: the policy module (and its imports) stays out
    from armada_core.retry.policy import MemoryBump

_UNIT = 10**9  # nano-units per unit


@dataclass(frozen=True, slots=True)
class MemoryRecord:
    """What every granted bump so far adds up to (`factor` 1 and `static` "" = none)."""

    factor: float = 1.0
    static: str = ""  # a canonical quantity

    def accumulate(self, bump: MemoryBump) -> MemoryRecord | None:
        """The record after `bump`; None when the record holds the other kind (skip)."""
        if bump.factor:
            return None if self.static else MemoryRecord(factor=self.factor * bump.factor)
        if self.factor != 1.0:
            return None
        total = Quantity.parse(bump.static) + (
            Quantity.parse(self.static) if self.static else Quantity()
        )
        return MemoryRecord(static=total.canonical())

    def grow(self, original: Quantity) -> Quantity:
        """The memory a run of a job asking for `original` gets."""
        if self.static:
            return original + Quantity.parse(self.static)
        if self.factor == 1.0:
            return original
        nanos = original.scaled(self.factor).nanos
        return Quantity(-(-nanos // _UNIT) * _UNIT, original.format)  # whole bytes, up

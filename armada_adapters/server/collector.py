"""Garbage-collector settings of the reference server.

A 10,000-job request puts a few hundred thousand short-lived objects in the heap; with
CPython's default thresholds (700 allocations) the collector then runs young
collections constantly and full ones of 150 to 300 ms, on the event loop that serves
every other call. Objects alive at start-up (codecs, schema, config) are frozen out
of collection, and young collections wait for many more allocations: the server
holds no reference cycles on its request paths, so collections rarely free anything.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000  # allocations between young collections (CPython: 700)


def tune_collector() -> None:
    """Freeze what start-up made and space young collections out."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)

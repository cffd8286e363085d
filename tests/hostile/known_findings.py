"""Inputs of issue 9's findings that other branches are fixing: the fuzz skips them.

Each predicate names one finding and recognises exactly its inputs, so that the
fuzz suites document what is still open. Delete a predicate (and its uses) once
its fix is merged; the suites then fuzz those inputs too.
"""

from __future__ import annotations

import math
import re

from fuzz_support import floats_in, strings_in

from armada_core.quantity import Quantity

# Finding 1: an error message echoes the input and grpclib HPACK-encodes it in time
# quadratic in its length (`GetQueue(name="q" * 70_000)` holds the loop ~0.5 s, 1 MB ~90 s).
_ECHO_SAFE_CHARS = 4096

# Finding 2: a message id part beyond int64 overflows SQLite's integer
# (`GetJobSetEvents(from_message_id="99999999999999999999999999:0:0:0")`).
_HUGE_NUMBER = re.compile(r"\d{19,}")

# Finding 3: `CreateQueue(priority_factor=inf)` is stored; GetQueues then fails for everyone.
_QUEUE_WRITES = ("CreateQueue", "CreateQueues", "UpdateQueue", "UpdateQueues")


def finding_1_long_string_echoed(request: object) -> bool:
    """A name or id long enough that echoing it in an error stalls the event loop."""
    return any(len(s) > _ECHO_SAFE_CHARS for s in strings_in(request))


def finding_2_overflow(request: object) -> bool:
    """A quantity beyond a float (`"1e308"` cpu) or a message id part beyond int64."""
    return any(_overflows_float(s) or _HUGE_NUMBER.search(s) for s in strings_in(request))


def finding_3_non_finite_queue_float(path: str, request: object) -> bool:
    """A queue write carrying ±inf (stored, then every GetQueues fails)."""
    if not path.endswith(_QUEUE_WRITES):
        return False
    return any(not math.isfinite(x) for x in floats_in(request))


def known_finding(path: str, request: object) -> str | None:
    """The name of the open finding `request` would hit, or None."""
    if finding_1_long_string_echoed(request):
        return "finding 1"
    if finding_2_overflow(request):
        return "finding 2"
    if finding_3_non_finite_queue_float(path, request):
        return "finding 3"
    return None


def _overflows_float(text: str) -> bool:
    try:
        milli = Quantity.parse(text).milli_value()
    except ValueError:
        return False
    try:
        float(milli)
    except OverflowError:
        return True
    return False

"""How a config section's keys are read: as Armada's loader matches them.

Keys match ignoring case (viper); keys of Armada's that have no effect here are
warned about and dropped, so an Armada config carries over; any other key is refused.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

logger = logging.getLogger(__name__)


def known_keys(
    data: Mapping[str, Any],
    known: Sequence[str],
    ignored: Sequence[str],
    *,
    where: str,
    error: type[Exception],
) -> dict[str, Any]:
    """The section's values by their canonical key names; `error` for an unknown key."""
    names = {name.lower(): name for name in known}
    skipped = {name.lower() for name in ignored}
    values: dict[str, Any] = {}
    prefix = f"{where}." if where else ""
    for key, value in data.items():
        lower = str(key).lower()
        if lower in names:
            values[names[lower]] = value
        elif lower in skipped:
            logger.warning(
                "config key %s%s is Armada's but has no effect here; ignored", prefix, key
            )
        else:
            raise error(f"unknown config key {prefix}{key!r}; known keys: {', '.join(known)}")
    return values

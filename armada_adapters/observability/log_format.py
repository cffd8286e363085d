"""The two log formats of `logging.format`: `text` (the default) and `json`.

JSON is one object per line: `time` (RFC 3339, UTC), `level`, `logger`,
`request_id`, `message`, the record's `fields` (the access log's), and `exception`
(the traceback as one string) when there is one.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

FORMATS = ("text", "json")


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def use_format(name: str) -> None:
    """Switch every handler of the root logger to format `name`, one of `FORMATS`
    (`text` keeps the handlers' own format)."""
    if name == "json":
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter())

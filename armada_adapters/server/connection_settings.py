"""`ConnectionSettings`: how many connections a listener holds, and how long an idle
or slow one may stay (the config file's `connections:` section).

    connections:
      maxPerListener: 10000     # per port; lowered at start to fit the open-file limit
      httpHeaderTimeout: 10s    # a REST request's headers must arrive within this
      httpBodyTimeout: 60s      # ... and its body within this once the headers are in
      httpIdleTimeout: 60s      # a REST connection between two requests
      grpcIdleTimeout: 5m       # a gRPC connection without any call (Armada's maxConnectionIdle)
"""

from __future__ import annotations

from dataclasses import dataclass

# Config key -> field, for the loader and its error messages.
KEYS = {
    "maxPerListener": "max_per_listener",
    "httpHeaderTimeout": "http_header_timeout",
    "httpBodyTimeout": "http_body_timeout",
    "httpIdleTimeout": "http_idle_timeout",
    "grpcIdleTimeout": "grpc_idle_timeout",
}


@dataclass(frozen=True, slots=True)
class ConnectionSettings:
    """Limits on the connections of each listener; times in seconds."""

    max_per_listener: int = 10_000
    http_header_timeout: float = 10.0
    http_body_timeout: float = 60.0
    http_idle_timeout: float = 60.0
    grpc_idle_timeout: float = 300.0

    def __post_init__(self) -> None:
        if self.max_per_listener < 1:
            raise ValueError("connections.maxPerListener must be at least 1")
        for key, name in KEYS.items():
            if getattr(self, name) <= 0:
                raise ValueError(f"connections.{key} must be positive")

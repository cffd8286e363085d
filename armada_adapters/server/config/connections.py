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

from dataclasses import dataclass, fields

from armada_config.policy import Seconds, config_key


@dataclass(frozen=True, slots=True)
class ConnectionSettings:
    """Limits on the connections of each listener; times in seconds."""

    max_per_listener: int = 10_000
    http_header_timeout: Seconds = 10.0
    http_body_timeout: Seconds = 60.0
    http_idle_timeout: Seconds = 60.0
    grpc_idle_timeout: Seconds = 300.0

    def __post_init__(self) -> None:
        if self.max_per_listener < 1:
            raise ValueError("connections.maxPerListener must be at least 1")
        for field in fields(self):
            if field.name != "max_per_listener" and getattr(self, field.name) <= 0:
                raise ValueError(f"connections.{config_key(field)} must be positive")

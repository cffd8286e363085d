"""`RestSettings`: what the REST adapter can be configured with."""

from __future__ import annotations

from dataclasses import dataclass

from armada_adapters.wire.limits import DEFAULT_MAX_MESSAGE_BYTES, check_message_limit

DEFAULT_CORS_ALLOWED_ORIGINS = (
    "http://localhost:3000",
    "http://localhost:8089",
    "http://localhost:10000",
)


@dataclass(frozen=True, slots=True)
class RestSettings:
    """Settings of `create_app`, named after Armada's server config keys.

    `cors_allowed_origins` (`corsAllowedOrigins`): exact origins that get CORS headers.
    `gateway_path` (`grpcGatewayPath`): the prefix every API route is served under.
    `max_message_bytes`: the largest request body accepted (the gRPC message limit).
    """

    cors_allowed_origins: tuple[str, ...] = DEFAULT_CORS_ALLOWED_ORIGINS
    gateway_path: str = "/"
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES

    def __post_init__(self) -> None:
        if not self.gateway_path.startswith("/"):
            raise ValueError(f"gateway_path must start with '/': {self.gateway_path!r}")
        object.__setattr__(self, "cors_allowed_origins", tuple(self.cors_allowed_origins))
        check_message_limit(self.max_message_bytes)

    @property
    def prefix(self) -> str:
        """`gateway_path` without its trailing slash ("" for the default "/")."""
        return self.gateway_path.rstrip("/")

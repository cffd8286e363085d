"""Network addresses in configuration: `host:port`, as Armada's config keys hold them."""

from __future__ import annotations


def host_port(url: str, key: str) -> tuple[str, int]:
    """`host:port` (optionally after a scheme such as `https://`; `[v6]:port` too) as
    host and port; ValueError naming `key` when it is not one."""
    rest = url.split("://", 1)[-1].rstrip("/")
    host, _, port = rest.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"{key} must be host:port, got {url!r}")
    return host.strip("[]"), int(port)

"""REST adapter (Starlette, pure ASGI): Armada's grpc-gateway API over the core service.

`create_app(service, authenticator, settings=RestSettings())` builds the ASGI app;
serve it with any ASGI server or mount it in another app.
"""

from __future__ import annotations

from armada_adapters.rest.app import create_app
from armada_adapters.rest.settings import RestSettings

__all__ = ["RestSettings", "create_app"]

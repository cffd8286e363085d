"""The web UI: server-rendered pages over `ArmadaService` (see `app.create_ui`)."""

from armada_adapters.ui.app import create_ui, ui_routes
from armada_adapters.ui.logs import LogSources

__all__ = ["LogSources", "create_ui", "ui_routes"]

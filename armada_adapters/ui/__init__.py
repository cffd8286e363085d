"""The web UI: server-rendered pages over `ArmadaService` (see `app.create_ui`)."""

from armada_adapters.ui.app import create_ui, ui_routes

__all__ = ["create_ui", "ui_routes"]

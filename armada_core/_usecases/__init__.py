"""The use cases behind `ArmadaService`, one module per area (private: call the service)."""
